#include "ikgen/state_location.hpp"

#include <cstdio>
#include <cstdlib>

#include <xxhash.h>

#include "ikgen/error.hpp"
#include "ikgen/output_claims.hpp"
#include "ikgen/postgres_state_store.hpp"

namespace ikgen {

std::unique_ptr<StateStore> open_state_store(const Project& project, StoreAccess access, const StoreWarningSink& warn) {
  if (!project.state_url.empty()) return open_postgres_state_store(project.state_url, access, warn);
  return open_sqlite_state_store(project.state_file, access, warn);
}

std::unique_ptr<RunLease> lock_state(const Project& project, const std::optional<Shard>& shard, LockWait wait,
                                     const LockWaitingSink& waiting) {
  if (!project.state_url.empty()) return lock_postgres_state(project.state_url, shard, wait, waiting);
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
  return postgres_url_for_messages(project.state_url);
}

} // namespace ikgen
