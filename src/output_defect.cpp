#include "ikgen/output_defect.hpp"

namespace ikgen {

std::string_view defect_key(OutputDefect defect) {
  switch (defect) {
  case OutputDefect::none: return "none";
  case OutputDefect::empty: return "empty";
  case OutputDefect::no_header: return "no_header";
  case OutputDefect::wrong_format: return "wrong_format";
  case OutputDefect::truncated: return "truncated";
  }
  return "unknown";
}

std::string_view defect_name(OutputDefect defect) {
  switch (defect) {
  case OutputDefect::none: return "whole";
  case OutputDefect::empty: return "empty";
  case OutputDefect::no_header: return "no readable JPEG, PNG or WebP header";
  case OutputDefect::wrong_format: return "not the format its spec writes";
  case OutputDefect::truncated: return "cut short (it ends before its format's end)";
  }
  return "unknown";
}

} // namespace ikgen
