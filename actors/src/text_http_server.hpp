// text_http_server.hpp — a civetweb server that answers GET on one path with
// a text body made for each request (private to the actors library; the
// metrics endpoint is built on it).
//
// Threads: start() binds and listens on the calling thread (local system
// calls: well under a millisecond) and starts civetweb's threads, a master
// and `threads` workers; requests are answered on the workers. Civetweb's
// stop waits for its threads, which notice a stop only between polls (about
// 2 s apart): stop_async() runs it on a thread of its own, so no caller (a
// CAF worker) ever waits for it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

struct mg_context;

namespace supervise::actors::detail {

/// What a text_http_server serves and where.
struct text_http_config {
  /// The address to bind: an IPv4 literal, or IPv6 when civetweb has it
  /// (civetweb_has_ipv6()).
  std::string address;
  /// The port to bind; 0: an ephemeral one.
  uint16_t port = 0;
  /// Civetweb worker threads (requests answered at once), >= 1.
  int threads = 1;
  /// The one path served, e.g. "/metrics": other paths get 404, a method
  /// other than GET on it 405 (with `Allow: GET`).
  std::string path;
  /// The Content-Type of the body.
  std::string content_type;
  /// Makes the body of one GET; called on a civetweb worker, several at once
  /// with threads > 1. An exception gives a 500 answer naming it.
  std::function<std::string()> body;
  /// Receives civetweb's log messages after start (client errors and the
  /// like); on civetweb's threads, one at a time. May be empty.
  std::function<void(std::string_view)> log;
};

/// True when the installed civetweb can listen on IPv6 addresses.
bool civetweb_has_ipv6() noexcept;

/// One running civetweb server (see the top of this file). Not copyable. Its
/// members are called by one owner thread (one at a time).
class text_http_server {
public:
  /// Starts serving `cfg`; null when civetweb cannot start, with civetweb's
  /// reason in `why` (e.g. "cannot bind to 127.0.0.1:80: 98 (Address already
  /// in use); Failed to setup server ports").
  static std::unique_ptr<text_http_server> start(text_http_config cfg, std::string& why);

  text_http_server(const text_http_server&) = delete;
  text_http_server& operator=(const text_http_server&) = delete;

  /// abandon().
  ~text_http_server();

  /// The port listened on (the bound one when cfg.port was 0).
  uint16_t port() const noexcept { return port_; }

  /// Stops civetweb on a thread of its own; `done` runs on that thread once
  /// the port is closed and every civetweb thread has ended, unless
  /// abandon() came first. Once only.
  void stop_async(std::function<void()> done);

  /// Waits for the thread of stop_async(): at once when `done` has run (the
  /// thread ends right after it). No effect without stop_async().
  void join();

  /// The owner goes away: neither `done` nor cfg.log is called once this
  /// returns (a call under way is waited for). A stop under way finishes on
  /// its own thread, detached; a server not stopped yet is stopped the same
  /// way: its port is closed up to about 2 s later.
  void abandon() noexcept;

  /// What civetweb's callbacks and the stopping thread share.
  struct shared_state;

private:
  text_http_server(std::shared_ptr<shared_state> st, mg_context* ctx, uint16_t port);

  std::shared_ptr<shared_state> st_;
  mg_context* ctx_; // null once handed to a stopping thread
  uint16_t port_;
  std::thread stopper_;
};

} // namespace supervise::actors::detail
