// queue-worker: turns env into a Config and runs the Worker (docs/async.md, "queue-worker").
#include "core/daemon/run.hpp"
#include "core/config/env.hpp"
#include "queue-worker/config.hpp"
#include "queue-worker/worker.hpp"

int main() {
    using namespace faas;
    const config::Env env;
    return daemon::run_daemon<queue_worker::Worker>({"queue-worker", "queue-worker"}, env,
                                                    queue_worker::load);
}
