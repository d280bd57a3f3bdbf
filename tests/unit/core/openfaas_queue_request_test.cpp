// core/openfaas/queue_request: the queued async call, our encoding and Go's QueueRequest.
#include <string>

#include <doctest/doctest.h>

#include "core/json/json.hpp"
#include "core/openfaas/queue_request.hpp"
#include "core/openfaas/types.hpp"
#include "tests/support/printers.hpp"

namespace openfaas = faas::openfaas;
using openfaas::QueueRequest;

namespace {

QueueRequest sample() {
    QueueRequest r;
    r.method = "PUT";
    r.path = "/orders/7";
    r.query = "a=1&b=x%20y";
    r.host = "gateway:8080";
    r.headers.add("Content-Type", "text/plain");
    r.headers.add("X-Call-Id", "9f0c6a52-3c1e-4b8e-9d1a-2f6f0e2b7c11");
    r.headers.add("Accept", "text/html");
    r.headers.add("Accept", "application/json");
    r.headers.add("X-Callback-Url", "http://cb:8888/done?k=v");
    r.body = "hello";
    r.callback_url = "http://cb:8888/done?k=v";
    r.call_id = "9f0c6a52-3c1e-4b8e-9d1a-2f6f0e2b7c11";
    r.function = "figlet";
    r.namespace_ = "openfaas-fn";
    r.queue = "slow";
    r.enqueued_at = "2026-11-23T10:00:00.123456789Z";
    r.attempt = 3;
    return r;
}

QueueRequest decode(std::string_view json) {
    auto r = openfaas::decode_queue_request(json, "openfaas-fn");
    if (!r.ok()) {
        FAIL(r.error().what());
    }
    return std::move(r).value();
}

std::string decode_error(std::string_view json) {
    const auto r = openfaas::decode_queue_request(json, "openfaas-fn");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == faas::errc::bad_request);
    return r.error().message;
}

}  // namespace

TEST_SUITE_BEGIN("core.openfaas.queue_request");

TEST_CASE("queue request: every field survives a round trip") {
    const QueueRequest r = sample();
    CHECK(decode(openfaas::encode(r)) == r);
}

TEST_CASE("queue request: binary and empty bodies round-trip through base64") {
    QueueRequest r = sample();
    for (int i = 0; i < 256; ++i) {
        r.body.push_back(static_cast<char>(i));
    }
    r.body += std::string("\0\0\xff", 3);
    CHECK(decode(openfaas::encode(r)).body == r.body);
    r.body.clear();
    const std::string json = openfaas::encode(r);
    CHECK(json.find(R"("Body":"")") != std::string::npos);
    CHECK(decode(json).body.empty());
}

TEST_CASE("queue request: the encoding is Go's QueueRequest with a url.URL callback") {
    const std::string json = openfaas::encode(sample());
    auto doc = faas::json::parse(json);
    REQUIRE(doc.ok());
    const auto root = doc->root();
    CHECK(std::string_view(root["Function"].get_string().value()) == "figlet.openfaas-fn");
    CHECK(std::string_view(root["Body"].get_string().value()) == "aGVsbG8=");
    CHECK(std::string_view(root["QueueName"].get_string().value()) == "slow");
    CHECK(std::string_view(root["QueryString"].get_string().value()) == "a=1&b=x%20y");
    const auto accept = root["Header"]["Accept"].get_array().value();
    REQUIRE(accept.size() == 2);
    CHECK(std::string_view(accept.at(0).get_string().value()) == "text/html");
    CHECK(std::string_view(accept.at(1).get_string().value()) == "application/json");
    const auto cb = root["CallbackUrl"];
    CHECK(std::string_view(cb["Scheme"].get_string().value()) == "http");
    CHECK(std::string_view(cb["Host"].get_string().value()) == "cb:8888");
    CHECK(std::string_view(cb["Path"].get_string().value()) == "/done");
    CHECK(std::string_view(cb["RawQuery"].get_string().value()) == "k=v");
    CHECK(cb["User"].is_null());
    CHECK(root["Attempt"].get_uint64().value() == 3);
}

TEST_CASE("queue request: header names are written canonically, values in order") {
    QueueRequest r = sample();
    r.headers = {};
    r.headers.add("x-custom", "1");
    r.headers.add("content-type", "text/plain");
    r.headers.add("X-CUSTOM", "2");
    const QueueRequest back = decode(openfaas::encode(r));
    std::vector<std::pair<std::string, std::string>> got;
    for (const auto& h : back.headers) {
        got.emplace_back(h.name, h.value);
    }
    const std::vector<std::pair<std::string, std::string>> want{
        {"X-Custom", "1"}, {"X-Custom", "2"}, {"Content-Type", "text/plain"}};
    CHECK(got == want);
}

TEST_CASE("queue request: a message from OpenFaaS's Go gateway decodes") {
    const QueueRequest r =
        decode(R"({"Header": {"Content-Type": ["text/plain"], "X-Call-Id": ["9f0c"],
        "X-Start-Time": ["1712"], "X-Callback-Url": ["http://cb:8888/"]},
        "Host": "gateway:8080", "Body": "aGVsbG8=", "Method": "POST", "Path": "/rest",
        "QueryString": "a=1", "Function": "figlet.team-a", "QueueName": "",
        "CallbackUrl": {"Scheme": "http", "Opaque": "", "User": null, "Host": "cb:8888",
        "Path": "/a b", "RawPath": "/a%20b", "OmitHost": false, "ForceQuery": false,
        "RawQuery": "x=1", "Fragment": "", "RawFragment": ""}})");
    CHECK(r.function == "figlet");
    CHECK(r.namespace_ == "team-a");
    CHECK(r.body == "hello");
    CHECK(r.method == "POST");
    CHECK(r.path == "/rest");
    CHECK(r.query == "a=1");
    CHECK(r.call_id == "9f0c");
    CHECK(r.callback_url == "http://cb:8888/a%20b?x=1");
    CHECK(r.attempt == 0);
    CHECK(r.enqueued_at.empty());
    CHECK(r.headers.get("X-Start-Time") == "1712");
}

TEST_CASE("queue request: defaults for a minimal message") {
    const QueueRequest r =
        decode(R"({"Function":"echo","Body":null,"Header":null,"CallbackUrl":null})");
    CHECK(r.function == "echo");
    CHECK(r.namespace_ == "openfaas-fn");
    CHECK(r.method == "POST");
    CHECK(r.body.empty());
    CHECK(r.headers.empty());
    CHECK(r.callback_url.empty());

    const QueueRequest s = decode(
        R"({"Function":"echo","CallbackUrl":"http://cb/x",)"
        R"("Header":{"X-Callback-Url":["http://other/"]}})");
    CHECK(s.callback_url == "http://cb/x");
    const QueueRequest h =
        decode(R"({"Function":"echo","Header":{"X-Callback-Url":["http://other/"]}})");
    CHECK(h.callback_url == "http://other/");
}

TEST_CASE("queue request: annotations round-trip as an object of strings, omitted when empty") {
    QueueRequest r = sample();
    CHECK(openfaas::encode(r).find("Annotations") == std::string::npos);
    r.annotations = {{"com.openfaas.queue", "slow"},
                     {"com.faas.queue.rate", "10/s"},
                     {"com.openfaas.retry.codes", "429,503"}};
    const std::string json = openfaas::encode(r);
    CHECK(json.find(R"("Annotations":{"com.faas.queue.rate":"10/s","com.openfaas.queue":"slow",)"
                    R"("com.openfaas.retry.codes":"429,503"})") != std::string::npos);
    CHECK(decode(json) == r);
    QueueRequest other = r;
    other.annotations["com.openfaas.queue"] = "fast";
    CHECK_FALSE(other == r);
    // Absent or null: none.
    CHECK(decode(R"({"Function":"f"})").annotations.empty());
    CHECK(decode(R"({"Function":"f","Annotations":null})").annotations.empty());
}

TEST_CASE("queue request: malformed input is an error naming what is wrong") {
    CHECK(decode_error(R"({"Function":"f","Annotations":[]})") ==
          "queued request: \"Annotations\" must be an object of strings");
    CHECK(decode_error(R"({"Function":"f","Annotations":{"com.openfaas.queue":1}})") ==
          "queued request: annotation \"com.openfaas.queue\" must be a string");
    CHECK(decode_error("{").find("queued request: not JSON") == 0);
    CHECK(decode_error("[]") == "queued request: not a JSON object");
    CHECK(decode_error(R"({"Body":"aGVsbG8="})") == "queued request: \"Function\" is missing");
    CHECK(decode_error(R"({"Function":"f","Body":"***"})") ==
          "queued request: \"Body\" is not base64");
    CHECK(decode_error(R"({"Function":7})") == "queued request: \"Function\" must be a string");
    CHECK(decode_error(R"({"Function":"f","Header":[]})") ==
          "queued request: \"Header\" must be an object of string arrays");
    CHECK(decode_error(R"({"Function":"f","Header":{"A":"b"}})") ==
          "queued request: header \"A\" must be an array of strings");
    CHECK(decode_error(R"({"Function":"f","Header":{"A":[1]}})") ==
          "queued request: header \"A\" must be an array of strings");
    CHECK(decode_error(R"({"Function":"f","CallbackUrl":5})") ==
          "queued request: \"CallbackUrl\" must be a URL object or a string");
    CHECK(decode_error(R"({"Function":"f","CallbackUrl":{"Scheme":1}})") ==
          "queued request: \"CallbackUrl.Scheme\" must be a string");
    CHECK(decode_error(R"({"Function":"f","CallbackUrl":{"Path":"/x"}})") ==
          "queued request: \"CallbackUrl\" needs a Scheme and a Host");
    CHECK(decode_error(R"({"Function":"f","Attempt":-1})") ==
          "queued request: \"Attempt\" must be a count (0 to 4294967295)");
    CHECK(decode_error(R"({"Function":"f","Attempt":4294967296})") ==
          "queued request: \"Attempt\" must be a count (0 to 4294967295)");
}

TEST_SUITE_END();
