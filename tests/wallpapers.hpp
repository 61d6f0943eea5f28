#pragma once
// Where the tests find real photos: Debian's gnome-backgrounds (scripts/install-deps.sh installs
// it). IKGEN_TEST_WALLPAPERS points elsewhere, e.g. at an empty directory to see that the tests
// needing them report as skipped.

#include <cstdlib>
#include <filesystem>

namespace ikgen::test {

inline std::filesystem::path wallpaper_dir() {
  const char* overridden = std::getenv("IKGEN_TEST_WALLPAPERS");
  return overridden ? std::filesystem::path(overridden) : std::filesystem::path("/usr/share/backgrounds/gnome");
}

} // namespace ikgen::test
