#include "bench/trafficgen/truth.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "bench/trafficgen/packet_builder.hpp"

namespace tripline::trafficgen {

void write_truth(const std::string& path, std::vector<TruthRow>& rows,
                 const std::vector<Indicator>& indicators) {
  std::stable_sort(rows.begin(), rows.end(), [&](const TruthRow& a, const TruthRow& b) {
    if (a.pcap_cnt != b.pcap_cnt) return a.pcap_cnt < b.pcap_cnt;
    return indicators[a.indicator].value < indicators[b.indicator].value;
  });
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot create " + path);
  out << kTruthHeader << '\n';
  for (const TruthRow& r : rows) {
    const Indicator& ind = indicators[r.indicator];
    out << r.pcap_cnt << '\t' << to_string(r.src) << '\t' << r.src_port << '\t' << to_string(r.dst)
        << '\t' << r.dst_port << '\t' << (r.proto == kProtoTcp ? "TCP" : "UDP") << '\t'
        << ioc_type_name(ind.type) << '\t' << ind.value << '\t' << r.field << '\t' << r.matched
        << '\n';
  }
  out.close();
  if (!out) throw std::runtime_error("write error on " + path);
}

}  // namespace tripline::trafficgen
