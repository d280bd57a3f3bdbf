// gateway/webhook: GitHub and Slack signatures, Slack's challenge and replay window, and the
// annotations that turn verification on.
#include "gateway/webhook.hpp"

#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "core/crypto/hmac.hpp"

namespace webhook = faas::gateway::webhook;
using faas::http::Request;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

constexpr std::string_view kGitHubSecret = "It's a Secret to Everybody";
constexpr std::string_view kGitHubSignature =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

// Slack's published example request (api.slack.com "Verifying requests from Slack").
constexpr std::string_view kSlackSecret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr std::string_view kSlackTimestamp = "1531420618";
constexpr std::string_view kSlackBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%"
    "2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
    "803a0bc887a14d10d2c447fce8b6703c";
constexpr std::string_view kSlackSignature =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

system_clock::time_point at(std::int64_t unix_seconds) {
    return system_clock::time_point(seconds(unix_seconds));
}
const system_clock::time_point kSlackNow = at(1531420618 + 10);

Request github_request(std::string body, std::string_view signature) {
    Request r;
    r.method = "POST";
    r.target = "/async-function/hook";
    r.headers.add("Content-Type", "application/json");
    r.headers.add("X-GitHub-Event", "push");
    r.headers.add("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    r.headers.add("X-Hub-Signature-256", signature);
    r.body = std::move(body);
    return r;
}

// A Slack request signed with `secret` at `timestamp`, as Slack builds it.
Request slack_request(std::string body,
                      std::string_view content_type,
                      std::string_view timestamp,
                      std::string_view secret = kSlackSecret) {
    Request r;
    r.method = "POST";
    r.headers.add("Content-Type", content_type);
    r.headers.add("X-Slack-Request-Timestamp", timestamp);
    const std::string base = "v0:" + std::string(timestamp) + ":" + body;
    r.headers.add("X-Slack-Signature", "v0=" + faas::crypto::hmac_sha256_hex(secret, base));
    r.body = std::move(body);
    return r;
}

// The verifiers read a request's headers and raw body.
webhook::Verdict verify_github(const Request& r, std::string_view secret) {
    return webhook::verify_github(r.headers, r.body, secret);
}
webhook::Verdict verify_slack(const Request& r,
                              std::string_view secret,
                              system_clock::time_point now) {
    return webhook::verify_slack(r.headers, r.body, secret, now);
}
webhook::Verdict verify(const webhook::Config& c,
                        const Request& r,
                        std::string_view secret,
                        system_clock::time_point now) {
    return webhook::verify(c, r.headers, r.body, secret, now);
}

webhook::Rejected rejected(const webhook::Verdict& v) {
    REQUIRE(std::holds_alternative<webhook::Rejected>(v));
    return std::get<webhook::Rejected>(v);
}

webhook::Verified verified(const webhook::Verdict& v) {
    if (const auto* r = std::get_if<webhook::Rejected>(&v)) {
        FAIL("rejected: " << r->message);
    }
    REQUIRE(std::holds_alternative<webhook::Verified>(v));
    return std::get<webhook::Verified>(v);
}

}  // namespace

TEST_SUITE_BEGIN("gateway.webhook");

TEST_CASE("webhook: GitHub's published vector verifies and keys on the delivery id") {
    const auto v =
        verified(verify_github(github_request("Hello, World!", kGitHubSignature), kGitHubSecret));
    CHECK(v.idempotency_key == "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    CHECK_FALSE(v.retry_num.has_value());
}

TEST_CASE("webhook: GitHub signature in upper-case hex is the same signature") {
    const std::string upper =
        "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17";
    verified(verify_github(github_request("Hello, World!", upper), kGitHubSecret));
}

TEST_CASE("webhook: GitHub rejects a changed body, a wrong secret and a malformed signature") {
    auto r =
        rejected(verify_github(github_request("Hello, World?", kGitHubSignature), kGitHubSecret));
    CHECK(r.reason == webhook::RejectReason::BadSignature);
    CHECK(webhook::http_status(r) == 401);
    CHECK(r.message.find("X-Hub-Signature-256") != std::string::npos);

    r = rejected(verify_github(github_request("Hello, World!", kGitHubSignature),
                               "It's a secret to everybody"));
    CHECK(r.reason == webhook::RejectReason::BadSignature);

    for (const std::string_view bad :
         {"757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",  // no prefix
          "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
          "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e",      // short
          "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1700",  // long
          "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
          "sha256=", ""}) {
        CAPTURE(bad);
        r = rejected(verify_github(github_request("Hello, World!", bad), kGitHubSecret));
        CHECK(r.reason == webhook::RejectReason::BadSignature);
    }
}

TEST_CASE("webhook: GitHub without X-Hub-Signature-256 is a missing header, SHA-1 not accepted") {
    Request req = github_request("Hello, World!", kGitHubSignature);
    req.headers.remove("X-Hub-Signature-256");
    auto r = rejected(verify_github(req, kGitHubSecret));
    CHECK(r.reason == webhook::RejectReason::MissingHeader);
    CHECK(webhook::http_status(r) == 401);
    CHECK(r.message == "missing X-Hub-Signature-256 header");

    req.headers.add("X-Hub-Signature", "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59");
    r = rejected(verify_github(req, kGitHubSecret));
    CHECK(r.reason == webhook::RejectReason::MissingHeader);
    CHECK(r.message.find("SHA-1") != std::string::npos);
}

TEST_CASE("webhook: GitHub without a delivery id verifies with no idempotency key") {
    Request req = github_request("Hello, World!", kGitHubSignature);
    req.headers.remove("X-GitHub-Delivery");
    CHECK(verified(verify_github(req, kGitHubSecret)).idempotency_key.empty());
}

TEST_CASE("webhook: Slack's published example request verifies") {
    Request req;
    req.method = "POST";
    req.headers.add("Content-Type", "application/x-www-form-urlencoded");
    req.headers.add("X-Slack-Request-Timestamp", kSlackTimestamp);
    req.headers.add("X-Slack-Signature", kSlackSignature);
    req.body = std::string(kSlackBody);
    const auto v = verified(verify_slack(req, kSlackSecret, kSlackNow));
    // A slash command is a form body: authentic, but it carries no event id.
    CHECK(v.idempotency_key.empty());

    req.body += "x";
    CHECK(rejected(verify_slack(req, kSlackSecret, kSlackNow)).reason ==
          webhook::RejectReason::BadSignature);
}

TEST_CASE("webhook: Slack event keys on event_id and reports the retry number") {
    Request req = slack_request(
        R"({"type":"event_callback","event_id":"Ev08MFMKH6","event":{"type":"app_mention"}})",
        "application/json", kSlackTimestamp);
    auto v = verified(verify_slack(req, kSlackSecret, kSlackNow));
    CHECK(v.idempotency_key == "Ev08MFMKH6");
    CHECK_FALSE(v.retry_num.has_value());

    req.headers.add("X-Slack-Retry-Num", "2");
    req.headers.add("X-Slack-Retry-Reason", "http_timeout");
    v = verified(verify_slack(req, kSlackSecret, kSlackNow));
    CHECK(v.idempotency_key == "Ev08MFMKH6");
    CHECK(v.retry_num == 2);
}

TEST_CASE("webhook: Slack url_verification becomes a challenge only when signed") {
    const std::string body =
        R"({"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl",)"
        R"("challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",)"
        R"("type":"url_verification"})";
    Request req = slack_request(body, "application/json; charset=utf-8", kSlackTimestamp);
    const auto v = verify_slack(req, kSlackSecret, kSlackNow);
    REQUIRE(std::holds_alternative<webhook::Challenge>(v));
    const auto& challenge = std::get<webhook::Challenge>(v);
    CHECK(challenge.value == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    const auto resp = webhook::challenge_response(challenge);
    CHECK(resp.status == 200);
    CHECK(resp.body == challenge.value);
    CHECK(resp.headers.get("Content-Type") == "text/plain; charset=utf-8");

    Request forged = slack_request(body, "application/json", kSlackTimestamp, "another secret");
    CHECK(rejected(verify_slack(forged, kSlackSecret, kSlackNow)).reason ==
          webhook::RejectReason::BadSignature);
}

TEST_CASE("webhook: Slack timestamps more than five minutes away are stale, both directions") {
    const Request req = slack_request(R"({"type":"event_callback","event_id":"Ev1"})",
                                      "application/json", kSlackTimestamp);
    const std::int64_t sent = 1531420618;
    verified(verify_slack(req, kSlackSecret, at(sent + 300)));
    verified(verify_slack(req, kSlackSecret, at(sent - 300)));
    auto r = rejected(verify_slack(req, kSlackSecret, at(sent + 301)));
    CHECK(r.reason == webhook::RejectReason::StaleTimestamp);
    CHECK(webhook::http_status(r) == 401);
    CHECK(r.message.find("301 s") != std::string::npos);
    r = rejected(verify_slack(req, kSlackSecret, at(sent - 301)));
    CHECK(r.reason == webhook::RejectReason::StaleTimestamp);
}

TEST_CASE("webhook: Slack without its headers or with a bad timestamp is rejected") {
    const Request good = slack_request(R"({"type":"event_callback","event_id":"Ev1"})",
                                       "application/json", kSlackTimestamp);
    Request req = good;
    req.headers.remove("X-Slack-Signature");
    auto r = rejected(verify_slack(req, kSlackSecret, kSlackNow));
    CHECK(r.reason == webhook::RejectReason::MissingHeader);
    CHECK(r.message == "missing X-Slack-Signature header");

    req = good;
    req.headers.remove("X-Slack-Request-Timestamp");
    r = rejected(verify_slack(req, kSlackSecret, kSlackNow));
    CHECK(r.reason == webhook::RejectReason::MissingHeader);
    CHECK(r.message == "missing X-Slack-Request-Timestamp header");

    for (const std::string_view ts : {"", "abc", "-5", "1531420618.5", "99999999999999999999"}) {
        CAPTURE(ts);
        req = slack_request(R"({"type":"event_callback"})", "application/json", ts);
        r = rejected(verify_slack(req, kSlackSecret, kSlackNow));
        CHECK(r.reason == webhook::RejectReason::Malformed);
        CHECK(webhook::http_status(r) == 400);
    }
}

TEST_CASE("webhook: an authentic Slack JSON body that is not JSON is malformed") {
    for (const std::string_view body : {"{not json", "[1,2]", R"({"type":"url_verification"})",
                                        R"({"type":"url_verification","challenge":7})"}) {
        CAPTURE(body);
        const Request req = slack_request(std::string(body), "application/json", kSlackTimestamp);
        const auto r = rejected(verify_slack(req, kSlackSecret, kSlackNow));
        CHECK(r.reason == webhook::RejectReason::Malformed);
        const auto resp = webhook::rejection_response(r);
        CHECK(resp.status == 400);
        CHECK(resp.body == r.message + "\n");
    }
}

TEST_CASE("webhook: an empty secret refuses even a request signed with it") {
    const Request gh = github_request(
        "Hello, World!", "sha256=" + faas::crypto::hmac_sha256_hex("", "Hello, World!"));
    auto r = rejected(verify_github(gh, ""));
    CHECK(r.reason == webhook::RejectReason::BadSignature);
    CHECK(r.message == "the webhook secret is empty: every request is refused until it is set");
    const Request sl =
        slack_request(R"({"type":"event_callback"})", "application/json", kSlackTimestamp, "");
    r = rejected(verify_slack(sl, "", kSlackNow));
    CHECK(r.reason == webhook::RejectReason::BadSignature);
    CHECK(webhook::http_status(r) == 401);
}

TEST_CASE("webhook: verify dispatches on the configured scheme") {
    const Request gh = github_request("Hello, World!", kGitHubSignature);
    const webhook::Config github{webhook::Scheme::GitHub, "gh-secret"};
    const webhook::Config slack{webhook::Scheme::Slack, "slack-secret"};
    verified(verify(github, gh, kGitHubSecret, kSlackNow));
    CHECK(rejected(verify(slack, gh, kGitHubSecret, kSlackNow)).reason ==
          webhook::RejectReason::MissingHeader);
}

TEST_CASE("webhook: annotations turn verification on, name the scheme and the secret") {
    auto none = webhook::parse_config({{"topic", "payments"}});
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());

    auto gh = webhook::parse_config(
        {{"com.faas.webhook", "github"}, {"com.faas.webhook.secret", "github-hook"}});
    REQUIRE(gh.ok());
    REQUIRE(gh->has_value());
    CHECK((*gh)->scheme == webhook::Scheme::GitHub);
    CHECK((*gh)->secret_name == "github-hook");

    auto sl = webhook::parse_config(
        {{"com.faas.webhook", " slack "}, {"com.faas.webhook.secret", "slack-signing-v2"}});
    REQUIRE(sl.ok());
    REQUIRE(sl->has_value());
    CHECK((*sl)->scheme == webhook::Scheme::Slack);
    CHECK(webhook::scheme_name((*sl)->scheme) == "slack");
}

TEST_CASE("webhook: invalid annotations are errors naming the annotation") {
    struct Case {
        std::map<std::string, std::string> annotations;
        std::string expected;
    };
    const Case cases[] = {
        {{{"com.faas.webhook", "gitlab"}, {"com.faas.webhook.secret", "s"}},
         "annotation com.faas.webhook: expected github or slack, got \"gitlab\""},
        {{{"com.faas.webhook", "GitHub"}, {"com.faas.webhook.secret", "s"}},
         "annotation com.faas.webhook: expected github or slack, got \"GitHub\""},
        {{{"com.faas.webhook", "github"}},
         "annotation com.faas.webhook=github needs com.faas.webhook.secret naming the secret "
         "with the signing key"},
        {{{"com.faas.webhook", "slack"}, {"com.faas.webhook.secret", "  "}},
         "annotation com.faas.webhook=slack needs com.faas.webhook.secret naming the secret "
         "with the signing key"},
        {{{"com.faas.webhook.secret", "s"}},
         "annotation com.faas.webhook.secret is set but com.faas.webhook is not (expected github "
         "or slack)"},
        {{{"com.faas.webhook", "github"}, {"com.faas.webhook.secret", "../etc/passwd"}},
         "annotation com.faas.webhook.secret: \"../etc/passwd\" is not a secret name (lower-case "
         "letters, digits and '-', starting and ending with a letter or digit, at most 63)"},
        {{{"com.faas.webhook", "github"}, {"com.faas.webhook.secret", ".hidden"}},
         "annotation com.faas.webhook.secret: \".hidden\" is not a secret name (lower-case "
         "letters, digits and '-', starting and ending with a letter or digit, at most 63)"},
        // The provider's secrets are DNS labels: a name with a dot could never be served.
        {{{"com.faas.webhook", "github"}, {"com.faas.webhook.secret", "gh.key"}},
         "annotation com.faas.webhook.secret: \"gh.key\" is not a secret name (lower-case "
         "letters, digits and '-', starting and ending with a letter or digit, at most 63)"},
        {{{"com.faas.webhook", "slack"}, {"com.faas.webhook.secret", "Slack_Key"}},
         "annotation com.faas.webhook.secret: \"Slack_Key\" is not a secret name (lower-case "
         "letters, digits and '-', starting and ending with a letter or digit, at most 63)"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.expected);
        const auto r = webhook::parse_config(c.annotations);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == faas::errc::bad_request);
        CHECK(r.error().message == c.expected);
    }
}

TEST_SUITE_END();
