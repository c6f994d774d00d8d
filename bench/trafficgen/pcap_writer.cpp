#include "bench/trafficgen/pcap_writer.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace tripline::trafficgen {
namespace {

constexpr uint32_t kSnapLen = 65535;
constexpr uint32_t kLinktypeEthernet = 1;

void put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

}  // namespace

PcapWriter::PcapWriter(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr)
    throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
  uint8_t header[24];
  put32(header, 0xa1b2c3d4);
  put16(header + 4, 2);
  put16(header + 6, 4);
  put32(header + 8, 0);   // thiszone
  put32(header + 12, 0);  // sigfigs
  put32(header + 16, kSnapLen);
  put32(header + 20, kLinktypeEthernet);
  std::fwrite(header, 1, sizeof header, file_);
}

PcapWriter::~PcapWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void PcapWriter::write(uint64_t ts_us, const uint8_t* frame, uint32_t length) {
  uint8_t record[16];
  put32(record, static_cast<uint32_t>(ts_us / 1000000));
  put32(record + 4, static_cast<uint32_t>(ts_us % 1000000));
  put32(record + 8, length);
  put32(record + 12, length);
  std::fwrite(record, 1, sizeof record, file_);
  std::fwrite(frame, 1, length, file_);
  ++packets_;
  frame_bytes_ += length;
}

void PcapWriter::close() {
  if (file_ == nullptr) return;
  const bool failed = std::ferror(file_) != 0;
  const bool close_failed = std::fclose(file_) != 0;
  file_ = nullptr;
  if (failed || close_failed) throw std::runtime_error("write error on " + path_);
}

}  // namespace tripline::trafficgen
