// bench/nodes.cpp — the distribution rows' helpers (remote_common.hpp) and
// the node processes: this binary re-executed with --internal-node=MODE.
#include "remote_common.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <caf/openssl/manager.hpp>
#include <fmt/format.h>

#include "supervise/actors/distribution.hpp"
#include "supervise/actors/node_agent.hpp"
#include "supervise/errc.hpp"
#include "supervise/tree.hpp"

namespace bench {

caf::behavior counter_actor(caf::event_based_actor*) {
  return {[](int x) { return x; }};
}

const supervise::log_sink quiet_sink = [](supervise::log_level, std::string_view,
                                          std::string_view) {};

// -- TLS identity -----------------------------------------------------------------

std::optional<tls_identity> tls_identity::make(std::string& error) {
  char name[] = "/tmp/supervise-bench-tls-XXXXXX";
  if (::mkdtemp(name) == nullptr) {
    error = "mkdtemp failed";
    return std::nullopt;
  }
  tls_identity id;
  id.dir = name;
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  for (auto& cmd : {"openssl req -x509 " + ec + " -keyout ca.key -out ca.pem -subj /CN=ca -days 1",
                    "openssl req " + ec + " -keyout node.key -out node.csr -subj /CN=node",
                    std::string{"openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key "
                                "-CAcreateserial -out node.pem -days 1"}}) {
    auto full = "cd " + id.dir + " && " + cmd + " >/dev/null 2>&1";
    if (std::system(full.c_str()) != 0) {
      error = "could not run: " + cmd;
      return std::nullopt; // the destructor removes the directory
    }
  }
  id.cert = id.dir + "/node.pem";
  id.key = id.dir + "/node.key";
  id.ca = id.dir + "/ca.pem";
  return id;
}

tls_identity::tls_identity(tls_identity&& x) noexcept
  : dir(std::move(x.dir)), cert(std::move(x.cert)), key(std::move(x.key)), ca(std::move(x.ca)) {
  x.dir.clear();
}

tls_identity::~tls_identity() {
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
}

// -- systems ------------------------------------------------------------------------

std::unique_ptr<system_box> dist_system(const options& o, const tls_identity* tls, bool bare) {
  auto box = std::make_unique<system_box>();
  auto& cfg = box->cfg;
  cfg.add_actor_type("counter", counter_actor);
  std::vector<std::string> args{"supervise-bench"};
  args.insert(args.end(), o.caf_args.begin(), o.caf_args.end());
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  if (auto err = cfg.parse(static_cast<int>(argv.size()), argv.data()))
    fail("bad CAF option: " + caf::to_string(err));
  if (tls) {
    cfg.set("openssl.certificate", tls->cert);
    cfg.set("openssl.key", tls->key);
    cfg.set("openssl.cafile", tls->ca);
  }
  if (bare) { // what prepare_distribution sets, by hand
    auto keep = [&](const char* key, caf::timespan dflt) {
      auto v = caf::get_or(cfg, key, caf::timespan{0});
      cfg.set(key, v.count() > 0 ? v : dflt);
    };
    keep("middleman.heartbeat-interval", std::chrono::milliseconds(100));
    keep("middleman.connection-timeout", std::chrono::milliseconds(500));
    cfg.load<caf::io::middleman>();
    if (tls)
      cfg.load<caf::openssl::manager>();
  } else {
    supervise::actors::distribution_options d;
    d.insecure = tls == nullptr;
    if (auto err = supervise::actors::prepare_distribution(cfg, d))
      fail("prepare_distribution: " + supervise::render(err));
  }
  box->sys = std::make_unique<caf::actor_system>(cfg);
  return box;
}

bool cut_by_sweep(const caf::error& err) { return err == caf::sec::connection_timeout; }

caf::expected<caf::node_id> connect_node(caf::actor_system& sys, uint16_t port, bool tls) {
  auto mm = tls ? sys.openssl_manager().actor_handle() : sys.middleman().actor_handle();
  caf::scoped_actor self{sys};
  caf::expected<caf::node_id> out{caf::sec::request_timeout};
  for (int attempt = 0; attempt < 3; ++attempt) {
    self->request(mm, std::chrono::seconds(10), caf::connect_atom::value,
                  std::string{"127.0.0.1"}, port)
      .receive([&](caf::node_id& nid, caf::strong_actor_ptr&,
                   std::set<std::string>&) { out = std::move(nid); },
               [&](caf::error& err) { out = std::move(err); });
    if (out || !cut_by_sweep(out.error()))
      break;
  }
  return out;
}

// -- subprocesses ---------------------------------------------------------------------

subprocess::subprocess(const options& o, std::vector<std::string> args) {
  args.insert(args.begin(), o.self_exe);
  args.insert(args.end(), o.caf_args.begin(), o.caf_args.end());
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0)
    fail("pipe failed");
  auto parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0)
    fail("fork failed");
  if (pid_ == 0) { // only async-signal-safe calls until exec
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    ::dup2(p[1], STDOUT_FILENO); // dup2 clears O_CLOEXEC on the copy
    ::close_range(3, ~0U, 0);    // none of this process's sockets
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(p[1]);
  fd_ = p[0];
}

subprocess::~subprocess() {
  finish();
}

std::optional<std::string> subprocess::wait_line(const std::string& prefix, double seconds) {
  auto deadline = clk::now() + std::chrono::duration_cast<clk::duration>(
                                 std::chrono::duration<double>(seconds));
  for (;;) {
    for (size_t nl; (nl = buf_.find('\n')) != std::string::npos;) {
      auto line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      if (line.compare(0, prefix.size(), prefix) == 0)
        return line.substr(prefix.size());
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clk::now());
    if (fd_ < 0 || left.count() <= 0)
      return std::nullopt;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0)
      continue;
    char chunk[4096];
    auto got = ::read(fd_, chunk, sizeof chunk);
    if (got <= 0) {
      ::close(fd_);
      fd_ = -1;
    } else {
      buf_.append(chunk, static_cast<size_t>(got));
    }
  }
}

void subprocess::signal(int sig) {
  if (pid_ > 0)
    ::kill(pid_, sig);
}

void subprocess::finish() {
  if (pid_ > 0) {
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

namespace {
std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
} // namespace

node_process::node_process(const options& o, const std::string& mode,
                           const std::vector<std::string>& caf_presets)
  : proc(o, with({"--internal-node=" + mode}, caf_presets)) {
  auto rest = proc.wait_line("listening ", std::min(o.timeout_s, 30.0));
  if (!rest)
    fail("a " + mode + " node process did not listen");
  port = static_cast<uint16_t>(std::stoul(*rest));
}

double cpu_ns_of(pid_t pid) {
  auto dir = pid == 0 ? std::string{"/proc/self/task"} : fmt::format("/proc/{}/task", pid);
  double sum = 0;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator{dir, ec}) {
    std::ifstream f{e.path() / "schedstat"};
    double ns = 0;
    if (f >> ns)
      sum += ns;
  }
  return sum;
}

// -- node processes ---------------------------------------------------------------------

namespace {

[[noreturn]] void serve_forever(uint16_t port) {
  std::printf("listening %u\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  for (;;)
    ::pause(); // until SIGKILL
}

} // namespace

int node_main(const options& o, const std::string& mode, const std::vector<std::string>& args) {
  if (mode == "leases")
    return leases_child_main(o, args);
  if (mode == "agent") {
    auto box = dist_system(o);
    supervise::actors::node_agent_options a;
    a.allow = {"counter"};
    a.insecure = true;
    a.endpoint = std::make_shared<supervise::actors::published_endpoint>();
    supervise::tree_options topts;
    topts.sink = quiet_sink;
    supervise::tree t{*box->sys, supervise::actors::node_agent(a), topts};
    auto port = a.endpoint->wait_listening(std::chrono::seconds(30));
    if (port == 0)
      return 2;
    serve_forever(port);
  }
  if (mode == "bare") {
    auto box = dist_system(o, nullptr, true);
    auto published = box->sys->spawn(counter_actor);
    auto port = box->sys->middleman().publish(published, 0, "127.0.0.1");
    if (!port)
      return 2;
    serve_forever(*port);
  }
  std::fprintf(stderr, "unknown --internal-node=%s\n", mode.c_str());
  return 1;
}

} // namespace bench
