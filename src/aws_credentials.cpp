#include "ikgen/aws_credentials.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ikgen {
namespace {

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

} // namespace

std::optional<std::string> process_environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

Expected<AwsCredentials> parse_aws_credentials_file(std::string_view text, const std::string& profile,
                                                    const std::string& file) {
  AwsCredentials found;
  bool in_profile = false;
  bool saw_profile = false;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    // An indented line continues the previous value (botocore's nested "s3 =" settings):
    // never a key of the profile itself.
    if (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) continue;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      const std::size_t close = line.find(']');
      const std::string_view name = trim(line.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
      in_profile = name == profile;
      saw_profile = saw_profile || in_profile;
      continue;
    }
    if (!in_profile) continue;
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) continue;
    // configparser (the AWS CLI's reader) treats option names case-insensitively.
    const std::string key = lowercase(trim(line.substr(0, equals)));
    const std::string value(trim(line.substr(equals + 1)));
    if (key == "aws_access_key_id") found.access_key_id = value;
    else if (key == "aws_secret_access_key") found.secret_access_key = value;
    else if (key == "aws_session_token") found.session_token = value;
  }
  const std::string where = "profile \"" + profile + "\" of " + file;
  if (!saw_profile) return fail("no " + where);
  if (found.access_key_id.empty()) return fail(where + " has no aws_access_key_id");
  if (found.secret_access_key.empty()) return fail(where + " has no aws_secret_access_key");
  found.source = where;
  return found;
}

Expected<AwsCredentials> load_aws_credentials(const EnvironmentLookup& env) {
  const std::optional<std::string> key_id = env("AWS_ACCESS_KEY_ID");
  const std::optional<std::string> secret = env("AWS_SECRET_ACCESS_KEY");
  if (key_id && secret) {
    return AwsCredentials{*key_id, *secret, env("AWS_SESSION_TOKEN").value_or(""),
                          "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"};
  }
  if (key_id || secret) {
    return fail(std::string(key_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") + " is set but " +
                (key_id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is not; set both, or neither to use " +
                "a profile of ~/.aws/credentials");
  }

  std::string file;
  if (const std::optional<std::string> named = env("AWS_SHARED_CREDENTIALS_FILE")) {
    file = *named;
  } else if (const std::optional<std::string> home = env("HOME")) {
    file = *home + "/.aws/credentials";
  }
  const std::string profile = env("AWS_PROFILE").value_or("default");
  const std::string help = "; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE and "
                           "AWS_SHARED_CREDENTIALS_FILE";
  if (file.empty()) {
    return fail("no S3 credentials: AWS_ACCESS_KEY_ID is not set and neither HOME nor "
                "AWS_SHARED_CREDENTIALS_FILE names a credentials file" + help);
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return fail("no S3 credentials: AWS_ACCESS_KEY_ID is not set and " + file + " cannot be read" + help);
  }
  std::ostringstream text;
  text << in.rdbuf();
  Expected<AwsCredentials> parsed = parse_aws_credentials_file(text.str(), profile, file);
  if (!parsed) return fail("no S3 credentials: AWS_ACCESS_KEY_ID is not set and " + parsed.error() + help);
  return parsed;
}

std::string resolve_aws_region(const std::string& configured, const EnvironmentLookup& env) {
  if (!configured.empty()) return configured;
  if (const std::optional<std::string> region = env("AWS_REGION")) return *region;
  if (const std::optional<std::string> region = env("AWS_DEFAULT_REGION")) return *region;
  return "us-east-1";
}

} // namespace ikgen
