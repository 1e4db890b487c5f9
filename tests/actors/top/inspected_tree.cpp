// supervise-inspected-tree — a known tree served by an inspection endpoint,
// for supervise-top's tests:
//
//   root        HEALTHY
//     inspect   HEALTHY   the endpoint (127.0.0.1, ephemeral port)
//     api       HEALTHY   a hosted supervisor
//       db      HEALTHY
//       cache   HEALTHY
//     web       HEALTHY
//     migrate   DONE      a job: healthy, then done
//     flaky     HEALTHY   fails on request (and every --fail-every MS)
//
// Prints "PORT <n>" once the endpoint listens and every service is
// healthy. Then reads commands from stdin, one per line:
//   fail        flaky fails; prints "TRIGGER <unix ms>" just before
//   fail DN     the node DN fails (e.g. root.api.db); same line
// An unknown command or a node that does not run prints "ERROR <why>".
// Runs until stdin closes (then stops the tree, exit 0) or SIGTERM.
// Options: --fail-every MS (0: never, the default), --backoff MS (the
// tree's per-node restart backoff, 200 by default), --port N (the
// endpoint's port, 0: ephemeral), --tls CERT KEY CAFILE (serve over mutual
// TLS with this identity).
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "supervise/actors/distribution.hpp"
#include "supervise/actors/inspection.hpp"
#include "supervise/context.hpp"
#include "supervise/errc.hpp"
#include "supervise/names.hpp"
#include "supervise/observer.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"

namespace {

using fail_atom = caf::atom_constant<caf::atom("t_fail")>;
using idle_atom = caf::atom_constant<caf::atom("t_idle")>;

// A service: healthy at once, fails on fail_atom, and every `every` if set.
supervise::runnable service(std::chrono::milliseconds every) {
  return [every](caf::event_based_actor* self, supervise::context& ctx) -> caf::behavior {
    supervise::signal(ctx, supervise::signal_type::healthy);
    if (every.count() > 0)
      self->delayed_send(self, every, fail_atom::value);
    return {[self](fail_atom) {
      self->quit(caf::make_error(caf::sec::runtime_error, "failure on request"));
    }};
  };
}

// The states seen so far in the whole tree (nested supervisors included),
// to wait for the start.
class state_board : public supervise::observer {
public:
  void on_state(const std::string& dn, supervise::node_state s) override {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      states_[dn] = s;
    }
    cv_.notify_all();
  }
  bool wait_all(const std::map<std::string, supervise::node_state>& want,
                std::chrono::seconds bound) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, bound, [&] {
      for (auto& [dn, s] : want) {
        auto i = states_.find(dn);
        if (i == states_.end() || i->second != s)
          return false;
      }
      return true;
    });
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::map<std::string, supervise::node_state> states_;
};

long number_arg(int argc, char** argv, int& i) {
  if (i + 1 >= argc) {
    std::fprintf(stderr, "supervise-inspected-tree: %s needs a value\n", argv[i]);
    std::exit(2);
  }
  char* end = nullptr;
  long x = std::strtol(argv[++i], &end, 10);
  if (*end != '\0' || x < 0) {
    std::fprintf(stderr, "supervise-inspected-tree: %s '%s': not a number >= 0\n", argv[i - 1],
                 argv[i]);
    std::exit(2);
  }
  return x;
}

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

int main(int argc, char** argv) {
  using namespace supervise;
  std::chrono::milliseconds fail_every{0};
  std::chrono::milliseconds backoff{200};
  long port_wanted = 0;
  std::vector<std::string> tls; // certificate, key, CA file
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--fail-every")
      fail_every = std::chrono::milliseconds{number_arg(argc, argv, i)};
    else if (arg == "--backoff")
      backoff = std::chrono::milliseconds{number_arg(argc, argv, i)};
    else if (arg == "--port")
      port_wanted = number_arg(argc, argv, i);
    else if (arg == "--tls" && i + 3 < argc)
      tls.assign(argv + i + 1, argv + i + 4), i += 3;
    else {
      std::fprintf(stderr, "supervise-inspected-tree: unknown argument '%s'\n", argv[i]);
      return 2;
    }
  }
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  cfg.set("scheduler.policy", caf::atom("sharing")); // idle workers sleep: tests share 2 cores
  actors::distribution_options dopts;
  dopts.insecure = tls.empty();
  if (!tls.empty()) {
    cfg.set("openssl.certificate", tls[0]);
    cfg.set("openssl.key", tls[1]);
    cfg.set("openssl.cafile", tls[2]);
  }
  if (auto err = actors::prepare_distribution(cfg, dopts)) {
    std::fprintf(stderr, "%s\n", render(err).c_str());
    return 1;
  }
  caf::actor_system sys{cfg};
  auto board = std::make_shared<state_board>();
  actors::inspection_options iopts;
  iopts.endpoint = std::make_shared<actors::published_endpoint>();
  iopts.port = static_cast<int>(port_wanted);
  iopts.tls = !tls.empty();
  auto insp = actors::make_inspection(iopts);
  supervisor api{sys, "api"};
  api.add("db", service({}));
  api.add("cache", service({}));
  tree_options topts;
  topts.observers = {insp, board};
  topts.backoff.initial = backoff;
  topts.backoff.max_interval = backoff * 4;
  auto endpoint = insp->endpoint();
  auto nested = api.as_runnable();
  tree t{sys,
         [=](caf::event_based_actor*, context& ctx) -> caf::behavior {
           run(ctx, "inspect", endpoint);
           run(ctx, "api", nested);
           run(ctx, "web", service({}));
           run(ctx, "migrate", [](context& c) -> caf::error {
             signal(c, signal_type::healthy);
             signal(c, signal_type::done);
             return {};
           });
           run(ctx, "flaky", service(fail_every));
           signal(ctx, signal_type::healthy);
           return {[](idle_atom) {}};
         },
         topts};
  auto port = iopts.endpoint->wait_listening(std::chrono::seconds(30));
  bool started = board->wait_all({{"root.api.db", node_state::healthy},
                                 {"root.api.cache", node_state::healthy},
                                 {"root.web", node_state::healthy},
                                 {"root.migrate", node_state::done}},
                                std::chrono::seconds(30));
  if (port == 0 || !started) {
    std::fprintf(stderr, "supervise-inspected-tree: the tree did not start\n");
    return 1;
  }
  std::printf("PORT %u\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  for (std::string line; std::getline(std::cin, line);) {
    std::string dn;
    if (line == "fail")
      dn = "root.flaky";
    else if (line.rfind("fail ", 0) == 0)
      dn = line.substr(5);
    else {
      std::printf("ERROR unknown command '%s'\n", line.c_str());
      std::fflush(stdout);
      continue;
    }
    auto who = whereis(sys, dn);
    if (!who) {
      std::printf("ERROR %s: %s\n", dn.c_str(), render(who.error()).c_str());
    } else {
      std::printf("TRIGGER %lld\n", static_cast<long long>(unix_ms()));
      caf::anon_send(*who, fail_atom::value);
    }
    std::fflush(stdout);
  }
  t.stop();
  t.wait();
  return 0;
}
