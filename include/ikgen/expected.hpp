#pragma once
// The one way an *expected* failure travels: a value or a reason, `Expected<T>`.
//
// Expected failures are those a correct program meets on real data and goes on from: a source
// that does not decode, an encoder that refuses an image, a write that fails on a full disk, a
// list line that is not a name. The function returns `Expected<T>` (`Expected<void>` when there
// is no value) whose error is the one-line, user-facing reason, lowercase, without the location
// the caller adds (the source and spec, the list and line). A plain string and no exit code:
// per-image failures all end the same way (exit 1, counted by the report), and the rare caller
// that must stop the command picks the exit code itself, where it knows what failed, with
// value_or_throw below.
//
// Setup errors that end the command (a bad flag, the config, an unusable environment) are not
// expected in this sense: the loading layers throw ikgen::Error, and main catches it once. Any
// other exception is a bug (or out of memory), caught per image by the scheduler at most.

#include <string>
#include <tl/expected.hpp>
#include <type_traits>
#include <utility>

#include "ikgen/error.hpp"
#include "ikgen/exit_code.hpp"

namespace ikgen {

template <class T>
using Expected = tl::expected<T, std::string>;

// `return fail("cannot read PNG");` in a function returning any Expected<T>.
[[nodiscard]] inline tl::unexpected<std::string> fail(std::string reason) {
  return tl::unexpected<std::string>(std::move(reason));
}

// At a command boundary: the value, or ikgen::Error(`context` + ": " + reason, `code`) (the reason
// alone when `context` is empty).
template <class T>
T value_or_throw(Expected<T>&& result, ExitCode code, const std::string& context = {}) {
  if (!result) throw Error(context.empty() ? result.error() : context + ": " + result.error(), code);
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

} // namespace ikgen
