#include "ikgen/shrink.hpp"

#include "ikgen/processors.hpp"

namespace ikgen {
namespace {

int ceil_div(int value, int divisor) { return (value + divisor - 1) / divisor; }

// The largest shrink one spec allows: walk its steps until the first resample.
int shrink_for_spec(const Spec& spec, cv::Size size, int orientation, const std::vector<int>& allowed) {
  for (const ProcessorStep& step : spec.processors) {
    const ReducedInput input = reduced_input(step, size, orientation);
    switch (input.kind) {
    case ReducedInput::Kind::needs_full_size:
      return 1;
    case ReducedInput::Kind::keeps_geometry:
      size = input.size;
      orientation = input.orientation;
      continue;
    case ReducedInput::Kind::resamples: {
      int best = 1;
      for (const int shrink : allowed) {
        const bool wide_enough = ceil_div(size.width, shrink) >= k_shrink_margin * input.size.width;
        const bool tall_enough = ceil_div(size.height, shrink) >= k_shrink_margin * input.size.height;
        if (wide_enough && tall_enough) best = shrink;
      }
      return best;
    }
    }
  }
  return 1; // no resample at all: the output keeps every source pixel
}

} // namespace

int choose_shrink(const std::vector<const Spec*>& specs, cv::Size stored, int orientation, const std::vector<int>& allowed) {
  int shrink = allowed.empty() ? 1 : allowed.back();
  for (const Spec* spec : specs) {
    shrink = std::min(shrink, shrink_for_spec(*spec, stored, orientation, allowed));
    if (shrink == 1) break;
  }
  return shrink;
}

} // namespace ikgen
