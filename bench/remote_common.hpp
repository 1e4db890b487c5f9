// bench/remote_common.hpp — shared pieces of the distribution rows (remote,
// failover, leases): actor systems prepared for distribution, node processes
// (this binary re-executed in a hidden mode, see nodes.cpp), a throwaway TLS
// identity, and CPU time of a process by its threads' schedstat.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include <caf/io/all.hpp>

#include "common.hpp"
#include "supervise/log.hpp"

namespace bench {

/// The actor every remote child and every bare remote actor is: "counter".
caf::behavior counter_actor(caf::event_based_actor*);

/// A log sink that drops every line.
extern const supervise::log_sink quiet_sink;

/// A throwaway CA and one node certificate it signed (EC keys, made with the
/// openssl command in a mktemp directory, removed by the destructor).
struct tls_identity {
  std::string dir, cert, key, ca;
  /// Empty with the failed command in `error` when openssl failed.
  static std::optional<tls_identity> make(std::string& error);
  tls_identity() = default;
  tls_identity(tls_identity&&) noexcept;
  tls_identity(const tls_identity&) = delete;
  ~tls_identity();
};

/// A system with "counter", built from the command line's CAF options, then
/// prepared by supervise::actors::prepare_distribution (heartbeat 100 ms,
/// connection timeout 500 ms unless the command line says otherwise): mutual
/// TLS with `tls`, plain BASP without. `bare`: the same CAF settings set by
/// hand (middleman, heartbeat pair), no library call.
std::unique_ptr<system_box> dist_system(const options& o, const tls_identity* tls = nullptr,
                                        bool bare = false);

/// The node of `port` on 127.0.0.1, connected through the middleman (or the
/// openssl manager with `tls`).
caf::expected<caf::node_id> connect_node(caf::actor_system& sys, uint16_t port, bool tls);

/// CAF 0.17's connection-timeout sweep cuts a connection still in its
/// handshake at the next heartbeat tick, however young: such a connect
/// fails at once with connection_timeout. Connects here retry it (twice).
bool cut_by_sweep(const caf::error& err);

/// This binary as a subprocess (`self_exe args... caf_args...`), its stdout
/// read through a pipe; killed (SIGKILL) and reaped by the destructor; it
/// dies with this process (PR_SET_PDEATHSIG).
class subprocess {
public:
  subprocess(const options& o, std::vector<std::string> args);
  ~subprocess();
  subprocess(const subprocess&) = delete;
  subprocess& operator=(const subprocess&) = delete;

  /// The rest of the first line starting with `prefix` (the line is
  /// consumed with the lines before it); nullopt on timeout or EOF.
  std::optional<std::string> wait_line(const std::string& prefix, double seconds);
  void signal(int sig);
  /// SIGCONT + SIGKILL, reaped. Idempotent.
  void finish();
  pid_t pid() const { return pid_; }

private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buf_;
};

/// A node process: `--internal-node=agent` (a node_agent allowing "counter"
/// on 127.0.0.1, plain BASP) or `bare` (bare CAF: one published "counter",
/// CAF's spawn server open). Waits until it listens; fail()s otherwise.
/// `caf_presets` go before the command line's CAF options (which win).
struct node_process {
  node_process(const options& o, const std::string& mode,
               const std::vector<std::string>& caf_presets = {});
  subprocess proc;
  uint16_t port = 0;
};

/// On-CPU time of every thread of process `pid` (0: this one), in ns: the
/// sum of /proc/PID/task/*/schedstat (ns resolution, unlike /proc/PID/stat).
double cpu_ns_of(pid_t pid);

/// The hidden modes (--internal-node=MODE, --internal-arg=...): agent, bare,
/// leases (leases.cpp).
int node_main(const options& o, const std::string& mode, const std::vector<std::string>& args);
int leases_child_main(const options& o, const std::vector<std::string>& args);

} // namespace bench
