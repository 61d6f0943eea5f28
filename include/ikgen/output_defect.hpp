#pragma once
// What can be wrong with a file found at a cache name, judged from its ends without decoding
// (codecs' inspect_output finds it; staleness and --explain report it). Plain data, so that the
// staleness decision need not include the codecs.

#include <string_view>

namespace ikgen {

enum class OutputDefect {
  none,
  empty,        // zero bytes (a crash between create and write, `: > file`)
  no_header,    // its first bytes are not a JPEG, PNG or WebP header that reads
  wrong_format, // a whole image, but not of the format its spec writes (a PNG at a .jpg name)
  truncated,    // the header reads, but the file ends before the format's end: a JPEG whose
                // last two bytes are not EOI (FF D9), a PNG whose last 12 bytes are not its
                // IEND chunk, a WebP shorter than its RIFF header announces
};

// The stable machine name (check --json "defect"): "none", "empty", "no_header",
// "wrong_format", "truncated".
[[nodiscard]] std::string_view defect_key(OutputDefect defect);

// The same for people: "empty", "no readable image header", "cut short"...
[[nodiscard]] std::string_view defect_name(OutputDefect defect);

} // namespace ikgen
