// Private to the rule-variable resolver: sets of unsigned values kept as sorted, disjoint,
// inclusive ranges, with the union / difference / complement that address and port
// expressions need ("[a,b]", "!a", "[a,!b]").
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

namespace tripline::detail {

template <class T>
class RangeSet {
 public:
  using Range = std::pair<T, T>;  // inclusive

  static RangeSet all(T max) {
    RangeSet s;
    s.ranges_.push_back({T{0}, max});
    return s;
  }

  void add(T first, T last) {
    ranges_.push_back({first, last});
    normalize();
  }
  void add(const RangeSet& other) {
    ranges_.insert(ranges_.end(), other.ranges_.begin(), other.ranges_.end());
    normalize();
  }

  // Everything in [0, max] that is not in this set.
  RangeSet complement(T max) const {
    RangeSet out;
    T next = 0;
    bool done = false;
    for (const Range& r : ranges_) {
      if (r.first > next) out.ranges_.push_back({next, r.first - 1});
      if (r.second == max) {
        done = true;
        break;
      }
      next = r.second + 1;
    }
    if (!done) out.ranges_.push_back({next, max});
    return out;
  }

  RangeSet intersect(const RangeSet& other) const {
    RangeSet out;
    size_t i = 0, j = 0;
    while (i < ranges_.size() && j < other.ranges_.size()) {
      const Range& a = ranges_[i];
      const Range& b = other.ranges_[j];
      const T lo = std::max(a.first, b.first);
      const T hi = std::min(a.second, b.second);
      if (lo <= hi) out.ranges_.push_back({lo, hi});
      if (a.second < b.second)
        ++i;
      else
        ++j;
    }
    return out;
  }

  RangeSet minus(const RangeSet& other, T max) const { return intersect(other.complement(max)); }

  bool empty() const { return ranges_.empty(); }
  bool is_all(T max) const {
    return ranges_.size() == 1 && ranges_[0].first == T{0} && ranges_[0].second == max;
  }
  const std::vector<Range>& ranges() const { return ranges_; }

 private:
  void normalize() {
    std::sort(ranges_.begin(), ranges_.end());
    std::vector<Range> merged;
    for (const Range& r : ranges_) {
      // Merge overlapping and adjacent ranges (the +1 cannot overflow: back().second < r.first).
      if (!merged.empty() &&
          (r.first <= merged.back().second || r.first - 1 == merged.back().second)) {
        merged.back().second = std::max(merged.back().second, r.second);
      } else {
        merged.push_back(r);
      }
    }
    ranges_ = std::move(merged);
  }

  std::vector<Range> ranges_;
};

}  // namespace tripline::detail
