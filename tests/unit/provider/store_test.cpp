// The provider's state on disk (provider/store.hpp).
#include <sys/stat.h>

#include <filesystem>

#include <doctest/doctest.h>

#include "provider/store.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"

using faas::provider::Store;
using faas::provider::StoredFunction;

TEST_SUITE("provider store") {

TEST_CASE("store: a function round-trips with createdAt and desired replicas") {
    faas::test::TempDir dir;
    Store store(dir.path() / "state");
    REQUIRE(store.init().ok());
    StoredFunction f;
    f.deployment.service = "echo";
    f.deployment.namespace_ = "openfaas-fn";
    f.deployment.image = "img:1";
    f.deployment.env_process = "cat";
    f.deployment.env_vars = faas::openfaas::StringMap{{"A", "b"}};
    f.deployment.labels = faas::openfaas::StringMap{{"com.openfaas.scale.min", "2"}};
    f.deployment.secrets = {"s2", "s1"};
    f.created_at = "2026-11-23T10:00:00.000000001Z";
    f.replicas = 3;
    REQUIRE(store.save_function(f).ok());
    std::vector<std::string> errors;
    auto loaded = store.load_functions(errors);
    CHECK(errors.empty());
    REQUIRE(loaded.size() == 1);
    CHECK(loaded[0].deployment.service == "echo");
    CHECK(loaded[0].deployment.namespace_ == "openfaas-fn");
    CHECK(loaded[0].deployment.image == "img:1");
    CHECK(loaded[0].deployment.env_vars->at("A") == "b");
    CHECK(loaded[0].deployment.secrets == std::vector<std::string>{"s2", "s1"});
    CHECK(loaded[0].created_at == f.created_at);
    CHECK(loaded[0].replicas == 3);
    REQUIRE(store.remove_function("openfaas-fn", "echo").ok());
    CHECK(store.load_functions(errors).empty());
}

TEST_CASE("store: an unreadable function file is reported and skipped") {
    faas::test::TempDir dir;
    Store store(dir.path());
    REQUIRE(store.init().ok());
    dir.write("functions/openfaas-fn/broken.json", "{not json");
    std::vector<std::string> errors;
    CHECK(store.load_functions(errors).empty());
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].find("broken.json") != std::string::npos);
}

TEST_CASE("store: secrets are files with mode 0600 holding the exact bytes") {
    faas::test::TempDir dir;
    Store store(dir.path());
    REQUIRE(store.init().ok());
    const std::string bytes("a\0b\nc", 5);
    REQUIRE(store.write_secret("openfaas-fn", "key", bytes).ok());
    CHECK(store.secret_exists("openfaas-fn", "key"));
    CHECK(faas::test::read_file(store.secret_path("openfaas-fn", "key")) == bytes);
    struct stat st {};
    REQUIRE(::stat(store.secret_path("openfaas-fn", "key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777U) == 0600U);
    REQUIRE(store.write_secret("openfaas-fn", "another", "x").ok());
    CHECK(store.list_secrets("openfaas-fn") == std::vector<std::string>{"another", "key"});
    REQUIRE(store.remove_secret("openfaas-fn", "key").ok());
    CHECK_FALSE(store.secret_exists("openfaas-fn", "key"));
    CHECK(store.list_secrets("absent").empty());
}

TEST_CASE("store: an atomic write leaves no temp file and replaces the old content") {
    faas::test::TempDir dir;
    const auto path = dir.file("f.json");
    REQUIRE(faas::provider::write_file_atomic(path, "one", 0600).ok());
    REQUIRE(faas::provider::write_file_atomic(path, "two", 0600).ok());
    CHECK(faas::test::read_file(path) == "two");
    CHECK_FALSE(std::filesystem::exists(path.string() + ".tmp"));
    CHECK_FALSE(faas::provider::write_file_atomic(dir.file("no/such/dir/f"), "x", 0600).ok());
}

}  // TEST_SUITE
