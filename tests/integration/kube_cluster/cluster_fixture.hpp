#pragma once
// Cluster: the stand-in Kubernetes API server with its controller-manager and (optionally) its
// kubelet, for tests that drive it over HTTP as a client of the real API would, and call the
// pods it runs on their own loopback addresses. One per test; the destructor stops the server,
// which kills every pod process.
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

#include "core/http/sync_client.hpp"
#include "tests/support/kube/kubelet.hpp"
#include "tests/support/kube/server.hpp"
#include "tests/support/kube/value.hpp"
#include "tests/support/temp_dir.hpp"

namespace faas::test {

struct ClusterOptions {
    bool kubelet = true;  // false: no node at all, pods stay Pending (as in the transcripts)
};

// One endpoint of an EndpointSlice, flattened.
struct SliceEndpoint {
    std::string address;
    std::string pod;
    bool ready = false;
    bool serving = false;
    bool terminating = false;
};

class Cluster {
public:
    explicit Cluster(ClusterOptions options = {});
    ~Cluster();
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    kube::Server& server() { return *server_; }

    // A request to the API server as the admin; the body is sent with `content_type`.
    http::Response api(const std::string& method,
                       const std::string& target,
                       const std::string& body = {},
                       const std::string& content_type = "application/json");
    // GET `target` and parse it (a failed check when it is not 200).
    kube::Value get(const std::string& target);
    // POST `object` to `collection` (a failed check unless 201).
    kube::Value create(const std::string& collection, const kube::Value& object);

    // The endpoints of the Service's EndpointSlices (in slice order).
    std::vector<SliceEndpoint> endpoints(const std::string& ns, const std::string& service);
    // The addresses of ready endpoints.
    std::vector<std::string> ready_addresses(const std::string& ns, const std::string& service);
    // POST `body` to http://<ip>:8080/ and return the response (errors as a status 0 answer).
    http::Response invoke(const std::string& ip, const std::string& body);
    // The PIDs of the running pod containers.
    std::vector<pid_t> container_pids();
    // The names of the pods of `ns` matching `selector`.
    std::vector<std::string> pod_names(const std::string& ns, const std::string& selector);

private:
    TempDir dir_;
    std::shared_ptr<kube::Kubelet> kubelet_;
    std::unique_ptr<kube::Server> server_;
    http::SyncClient client_;
};

// The manifests the tests deploy: a Deployment running fwatchdog with `fprocess`, probed on
// /_/health every second, and its ClusterIP Service on port 8080.
kube::Value function_deployment(const std::string& name, const std::string& fprocess, int replicas);
kube::Value function_service(const std::string& name);

}  // namespace faas::test
