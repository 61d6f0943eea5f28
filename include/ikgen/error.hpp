#pragma once
// The one exception type for setup errors (bad flag, bad config, unusable environment).
// Per-image failures never throw across threads; they travel as JobResult values instead.

#include <stdexcept>
#include <string>

#include "ikgen/exit_code.hpp"

namespace ikgen {

class Error : public std::runtime_error {
public:
  explicit Error(const std::string& message, ExitCode code = ExitCode::usage_error)
      : std::runtime_error(message), m_code(code) {}

  [[nodiscard]] ExitCode code() const { return m_code; }

private:
  ExitCode m_code;
};

} // namespace ikgen
