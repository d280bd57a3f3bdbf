// callbacks/request: the callback POST for a finished async call and its signature.
#include "callbacks/request.hpp"

#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "core/crypto/hmac.hpp"

namespace callbacks = faas::callbacks;

namespace {

callbacks::CallResult finished_call() {
    callbacks::CallResult r;
    r.call_id = "9f0c6a52-3c1e-4b8e-9d1a-2f6f0e2b7c11";
    r.function = "figlet.openfaas-fn";
    r.status = 200;
    r.duration = std::chrono::milliseconds(1500);
    r.headers.add("Content-Type", "application/json");
    r.headers.add("X-Duration-Seconds", "0.010000");  // the watchdog's, replaced by ours
    r.headers.add("X-Start-Time", "1712345678");
    r.headers.add("Set-Cookie", "a=1");
    r.headers.add("Set-Cookie", "b=2");
    r.headers.add("Content-Length", "13");
    r.headers.add("Connection", "keep-alive");
    r.headers.add("Transfer-Encoding", "chunked");
    r.body = R"({"ok":true})";
    return r;
}

faas::http::Url url_of(std::string_view text) {
    auto u = faas::http::parse_url(text);
    REQUIRE(u.ok());
    return u.value();
}

}  // namespace

TEST_SUITE_BEGIN("callbacks.request");

TEST_CASE("callback: POSTs the function's body with the call's headers") {
    const auto req =
        callbacks::build_request(finished_call(), url_of("http://cb:8888/done?x=1"), "");
    CHECK(req.method == "POST");
    CHECK(req.target == "/done?x=1");
    CHECK(req.body == R"({"ok":true})");
    CHECK(req.headers.get("Content-Type") == "application/json");
    CHECK(req.headers.get("X-Call-Id") == "9f0c6a52-3c1e-4b8e-9d1a-2f6f0e2b7c11");
    CHECK(req.headers.get("X-Function-Status") == "200");
    CHECK(req.headers.get("X-Function-Name") == "figlet.openfaas-fn");
    CHECK(req.headers.get("X-Duration-Seconds") == "1.500000");
    CHECK(req.headers.get("X-Start-Time") == "1712345678");
    // Without a secret nothing is signed.
    CHECK_FALSE(req.headers.has("X-Faas-Signature"));
}

TEST_CASE("callback: framing headers are the client's, repeated headers are kept") {
    const auto req = callbacks::build_request(finished_call(), url_of("http://cb/"), "");
    CHECK_FALSE(req.headers.has("Content-Length"));
    CHECK_FALSE(req.headers.has("Connection"));
    CHECK_FALSE(req.headers.has("Transfer-Encoding"));
    int cookies = 0;
    int durations = 0;
    for (const auto& h : req.headers) {
        cookies += h.name == "Set-Cookie" ? 1 : 0;
        durations += h.name == "X-Duration-Seconds" ? 1 : 0;
    }
    CHECK(cookies == 2);
    CHECK(durations == 1);
}

TEST_CASE("callback: a configured secret signs the body as sha256=<hex HMAC>") {
    const auto call = finished_call();
    const auto req = callbacks::build_request(call, url_of("http://cb/"), "callback-secret");
    const std::string expected =
        "sha256=" + faas::crypto::hmac_sha256_hex("callback-secret", R"({"ok":true})");
    CHECK(req.headers.get("X-Faas-Signature") == expected);
    CHECK(callbacks::signature("It's a Secret to Everybody", "Hello, World!") ==
          "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

TEST_CASE("callback: a signature the function set itself is never passed on") {
    auto call = finished_call();
    call.headers.add("x-faas-signature", "sha256=forged");
    const auto unsigned_req = callbacks::build_request(call, url_of("http://cb/"), "");
    CHECK_FALSE(unsigned_req.headers.has("X-Faas-Signature"));
    const auto signed_req = callbacks::build_request(call, url_of("http://cb/"), "s");
    CHECK(signed_req.headers.get("X-Faas-Signature") == callbacks::signature("s", call.body));
}

TEST_CASE("callback: an unreachable function reports 503 with an empty body") {
    callbacks::CallResult r;
    r.function = "down";
    r.duration = std::chrono::microseconds(2500);
    const auto req = callbacks::build_request(r, url_of("http://cb:9/"), "s");
    CHECK(req.headers.get("X-Function-Status") == "503");
    CHECK(req.headers.get("X-Function-Name") == "down");
    CHECK(req.headers.get("X-Duration-Seconds") == "0.002500");
    CHECK_FALSE(req.headers.has("X-Call-Id"));
    CHECK(req.body.empty());
    CHECK(req.headers.get("X-Faas-Signature") == callbacks::signature("s", ""));
}

TEST_SUITE_END();
