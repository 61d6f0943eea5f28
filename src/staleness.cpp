#include "ikgen/staleness.hpp"

namespace ikgen {

Verdict decide(const OutputObservation& output) {
  if (!output.exists) return {true, Reason::output_missing};
  if (!output.is_regular_file) return {true, Reason::output_not_file};
  return {false, Reason::up_to_date};
}

std::string_view reason_name(Reason reason) {
  switch (reason) {
  case Reason::up_to_date: return "up_to_date";
  case Reason::output_missing: return "output_missing";
  case Reason::output_not_file: return "output_not_file";
  }
  return "unknown";
}

} // namespace ikgen
