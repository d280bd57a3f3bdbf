// faas-replica: the replica launcher (provider/backends/local/launcher.hpp) as its own small
// executable, so a replica starts without loading the provider's libraries first.
#include "provider/backends/local/launcher.hpp"

int main(int argc, char** argv) { return faas::provider::local::run_launcher(argc, argv, 1); }
