#include "ikgen/state_location.hpp"

#include <cstdio>
#include <cstdlib>

#include <xxhash.h>

#include "ikgen/error.hpp"
#include "ikgen/output_claims.hpp"

namespace ikgen {

std::unique_ptr<StateStore> open_state_store(const Project& project, StoreAccess access, const StoreWarningSink& warn) {
  if (!project.state_url.empty()) {
    throw Error("cache.state " + describe_state(project) + " (from " + project.config_file.string() +
                    "): this build of ikgen has no PostgreSQL support yet",
                ExitCode::usage_error);
  }
  return open_sqlite_state_store(project.state_file, access, warn);
}

std::unique_ptr<RunLease> lock_state(const Project& project, const std::optional<Shard>& shard, LockWait wait,
                                     const LockWaitingSink& waiting) {
  return lock_state_file(project.state_file, shard, wait, waiting);
}

std::filesystem::path claims_file_of(const Project& project) {
  if (project.state_url.empty()) return claims_file_of(project.state_file);
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  const std::filesystem::path dir = runtime && *runtime ? runtime : "/tmp";
  char name[64];
  std::snprintf(name, sizeof name, "ikgen-%016llx.claims",
                static_cast<unsigned long long>(XXH3_64bits(project.state_url.data(), project.state_url.size())));
  return dir / name;
}

std::string describe_state(const Project& project) {
  if (project.state_url.empty()) return project.state_file.string();
  // postgresql://user:password@host/db -> postgresql://user@host/db
  std::string url = project.state_url;
  const std::size_t scheme = url.find("://");
  const std::size_t at = url.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme != std::string::npos && at != std::string::npos) {
    const std::size_t colon = url.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) url.erase(colon, at - colon);
  }
  return url;
}

} // namespace ikgen
