#include <doctest/doctest.h>

#include <map>
#include <string>

#include "ikgen/aws_credentials.hpp"
#include "temp_dir.hpp"

using ikgen::EnvironmentLookup;
using ikgen::parse_aws_credentials_file;

namespace {

EnvironmentLookup environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> std::optional<std::string> {
    const auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

const char* const k_file = R"(# the AWS CLI's file
[default]
aws_access_key_id = AKIDEFAULT
aws_secret_access_key=secret/with+signs=
s3 =
  addressing_style = path
  aws_access_key_id = NESTED

; another profile
[ staging ]
AWS_Access_Key_Id   =   AKISTAGING
aws_secret_access_key = staging-secret
aws_session_token = token==
[half]
aws_access_key_id = AKIHALF
)";

} // namespace

TEST_CASE("aws_credentials: a profile of a shared credentials file") {
  SUBCASE("default, with a nested section left alone") {
    const auto found = parse_aws_credentials_file(k_file, "default", "/home/u/.aws/credentials");
    REQUIRE(found);
    CHECK(found->access_key_id == "AKIDEFAULT");
    CHECK(found->secret_access_key == "secret/with+signs=");
    CHECK(found->session_token.empty());
    CHECK(found->source == "profile \"default\" of /home/u/.aws/credentials");
  }
  SUBCASE("names are trimmed and keys case-insensitive; a session token") {
    const auto found = parse_aws_credentials_file(k_file, "staging", "creds");
    REQUIRE(found);
    CHECK(found->access_key_id == "AKISTAGING");
    CHECK(found->secret_access_key == "staging-secret");
    CHECK(found->session_token == "token==");
  }
  SUBCASE("missing profile or key") {
    CHECK(parse_aws_credentials_file(k_file, "prod", "creds").error() == "no profile \"prod\" of creds");
    CHECK(parse_aws_credentials_file(k_file, "half", "creds").error() ==
          "profile \"half\" of creds has no aws_secret_access_key");
    CHECK(parse_aws_credentials_file("", "default", "creds").error() == "no profile \"default\" of creds");
  }
}

TEST_CASE("aws_credentials: the environment first, then the profile, and a clear error naming where it looked") {
  ikgen::test::TempDir dir;
  dir.write("credentials", k_file);
  const std::string file = (dir / "credentials").string();

  SUBCASE("environment variables") {
    const auto found = ikgen::load_aws_credentials(environment(
        {{"AWS_ACCESS_KEY_ID", "AKIENV"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}, {"AWS_SESSION_TOKEN", "tok"},
         {"AWS_SHARED_CREDENTIALS_FILE", file}}));
    REQUIRE(found);
    CHECK(found->access_key_id == "AKIENV");
    CHECK(found->session_token == "tok");
    CHECK(found->source == "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
  }
  SUBCASE("half of the environment") {
    CHECK(ikgen::load_aws_credentials(environment({{"AWS_ACCESS_KEY_ID", "AKIENV"}})).error() ==
          "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both, or neither to use a profile of "
          "~/.aws/credentials");
  }
  SUBCASE("AWS_PROFILE of AWS_SHARED_CREDENTIALS_FILE") {
    const auto found = ikgen::load_aws_credentials(
        environment({{"AWS_SHARED_CREDENTIALS_FILE", file}, {"AWS_PROFILE", "staging"}, {"HOME", "/nonexistent"}}));
    REQUIRE(found);
    CHECK(found->access_key_id == "AKISTAGING");
    CHECK(found->source == "profile \"staging\" of " + file);
  }
  SUBCASE("~/.aws/credentials, profile default") {
    dir.write("home/.aws/credentials", k_file);
    const auto found = ikgen::load_aws_credentials(environment({{"HOME", (dir / "home").string()}}));
    REQUIRE(found);
    CHECK(found->access_key_id == "AKIDEFAULT");
  }
  SUBCASE("nothing anywhere") {
    CHECK(ikgen::load_aws_credentials(environment({{"HOME", "/nonexistent"}})).error() ==
          "no S3 credentials: AWS_ACCESS_KEY_ID is not set and /nonexistent/.aws/credentials cannot be read; set "
          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE and AWS_SHARED_CREDENTIALS_FILE");
    CHECK(ikgen::load_aws_credentials(environment({{"AWS_SHARED_CREDENTIALS_FILE", file}, {"AWS_PROFILE", "prod"}})).error() ==
          "no S3 credentials: AWS_ACCESS_KEY_ID is not set and no profile \"prod\" of " + file +
              "; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE and AWS_SHARED_CREDENTIALS_FILE");
  }
}

TEST_CASE("aws_credentials: the region from the config, else the environment, else us-east-1") {
  CHECK(ikgen::resolve_aws_region("eu-west-1", environment({{"AWS_REGION", "us-west-2"}})) == "eu-west-1");
  CHECK(ikgen::resolve_aws_region("", environment({{"AWS_REGION", "us-west-2"}, {"AWS_DEFAULT_REGION", "x"}})) == "us-west-2");
  CHECK(ikgen::resolve_aws_region("", environment({{"AWS_DEFAULT_REGION", "ap-south-1"}})) == "ap-south-1");
  CHECK(ikgen::resolve_aws_region("", environment({})) == "us-east-1");
}
