// text_http_server.cpp — civetweb started with one begin_request callback
// that answers every request itself (civetweb serves no files), and stopped
// off the caller's thread.
#include "text_http_server.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

#include <civetweb.h>
#include <fmt/format.h>

namespace supervise::actors::detail {

struct text_http_server::shared_state {
  explicit shared_state(text_http_config c) : cfg(std::move(c)) {}

  const text_http_config cfg; // read by every civetweb thread, never changed
  std::mutex mtx;             // guards the members below
  bool starting = true;       // messages go to start_log, not cfg.log
  bool abandoned = false;     // the owner is gone: no done, no cfg.log
  std::vector<std::string> start_log;
  std::function<void()> done;
};

namespace {

using shared_state = text_http_server::shared_state;

// Civetweb's library initialisation is not thread-safe: once per process.
void init_civetweb_once() {
  static std::once_flag once;
  std::call_once(once, [] { mg_init_library(0); });
}

// The shared state of the server a connection belongs to.
shared_state* http_state_of(const mg_connection* conn) {
  if (conn == nullptr)
    return nullptr;
  return static_cast<shared_state*>(mg_get_user_data(mg_get_context(conn)));
}

// Writes one whole answer (headers and body); `extra` is more header lines.
void http_answer(mg_connection* conn, int status, const char* reason,
                 const std::string& content_type, const char* extra, const std::string& body) {
  auto text = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
                          "{}Connection: close\r\n\r\n",
                          status, reason, content_type, body.size(), extra);
  text += body;
  mg_write(conn, text.data(), text.size());
}

// Every request: GET on the path gets the body, the path with another method
// 405, any other path 404. Returns the status (for civetweb's access log).
int http_begin_request(mg_connection* conn) {
  auto* info = mg_get_request_info(conn);
  auto* st = static_cast<shared_state*>(info->user_data);
  static const std::string plain = "text/plain; charset=utf-8";
  std::string uri = info->local_uri ? info->local_uri : "";
  if (uri != st->cfg.path) {
    http_answer(conn, 404, "Not Found", plain, "",
                fmt::format("404 not found: {} (served: GET {})\n", uri, st->cfg.path));
    return 404;
  }
  std::string method = info->request_method ? info->request_method : "";
  if (method != "GET") {
    http_answer(conn, 405, "Method Not Allowed", plain, "Allow: GET\r\n",
                fmt::format("405 method not allowed: {} (allowed: GET)\n", method));
    return 405;
  }
  std::string body;
  try {
    body = st->cfg.body();
  } catch (const std::exception& x) {
    http_answer(conn, 500, "Internal Server Error", plain, "",
                fmt::format("500 the body could not be made: {}\n", x.what()));
    return 500;
  } catch (...) {
    http_answer(conn, 500, "Internal Server Error", plain, "",
                "500 the body could not be made: a non-standard exception\n");
    return 500;
  }
  http_answer(conn, 200, "OK", st->cfg.content_type, "", body);
  return 200;
}

// Civetweb's log messages: kept while starting (the reason a start failed),
// then handed to cfg.log until the owner is gone. Returns 1: civetweb
// prints nothing itself.
int http_log_message(const mg_connection* conn, const char* message) {
  auto* st = http_state_of(conn);
  if (st == nullptr || message == nullptr)
    return 1;
  std::string_view line{message};
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
    line.remove_suffix(1);
  std::lock_guard<std::mutex> guard{st->mtx};
  if (st->starting)
    st->start_log.emplace_back(line);
  else if (!st->abandoned && st->cfg.log)
    st->cfg.log(line);
  return 1;
}

// "a; b; c" without repeats.
std::string join_distinct(const std::vector<std::string>& parts) {
  std::vector<std::string> seen;
  std::string out;
  for (auto& p : parts) {
    if (p.empty() || std::find(seen.begin(), seen.end(), p) != seen.end())
      continue;
    seen.push_back(p);
    if (!out.empty())
      out += "; ";
    out += p;
  }
  return out;
}

// Stops `ctx` on the calling thread, then runs `done` (taken out of the
// state, so what it holds goes with it) unless the owner is gone.
void stop_and_report(const std::shared_ptr<shared_state>& st, mg_context* ctx) {
  mg_stop(ctx);
  std::function<void()> done;
  std::lock_guard<std::mutex> guard{st->mtx};
  if (!st->abandoned) {
    done = std::move(st->done);
    if (done)
      done();
  }
}

} // namespace

bool civetweb_has_ipv6() noexcept {
  return mg_check_feature(MG_FEATURES_IPV6) != 0;
}

std::unique_ptr<text_http_server> text_http_server::start(text_http_config cfg,
                                                          std::string& why) {
  init_civetweb_once();
  auto host = cfg.address.find(':') == std::string::npos ? cfg.address : "[" + cfg.address + "]";
  auto ports = fmt::format("{}:{}", host, cfg.port);
  auto threads = std::to_string(cfg.threads);
  const char* options[] = {"listening_ports", ports.c_str(), "num_threads", threads.c_str(),
                           nullptr};
  auto st = std::make_shared<shared_state>(std::move(cfg));
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof(callbacks));
  callbacks.begin_request = http_begin_request;
  callbacks.log_message = http_log_message;
  mg_init_data init;
  std::memset(&init, 0, sizeof(init));
  init.callbacks = &callbacks;
  init.user_data = st.get();
  init.configuration_options = options;
  unsigned code = 0;
  char text[256] = "";
  mg_error_data error{&code, text, sizeof(text)};
  auto* ctx = mg_start2(&init, &error);
  std::lock_guard<std::mutex> guard{st->mtx};
  st->starting = false;
  if (ctx == nullptr) {
    auto lines = st->start_log;
    lines.emplace_back(text);
    why = join_distinct(lines);
    if (why.empty())
      why = fmt::format("civetweb could not start (error {})", code);
    return nullptr;
  }
  mg_server_port bound;
  std::memset(&bound, 0, sizeof(bound));
  uint16_t port = 0;
  if (mg_get_server_ports(ctx, 1, &bound) == 1)
    port = static_cast<uint16_t>(bound.port);
  return std::unique_ptr<text_http_server>{new text_http_server(std::move(st), ctx, port)};
}

text_http_server::text_http_server(std::shared_ptr<shared_state> st, mg_context* ctx,
                                   uint16_t port)
  : st_(std::move(st)), ctx_(ctx), port_(port) {
  // nothing else: start() made the server
}

text_http_server::~text_http_server() {
  abandon();
}

void text_http_server::stop_async(std::function<void()> done) {
  if (ctx_ == nullptr)
    return;
  {
    std::lock_guard<std::mutex> guard{st_->mtx};
    st_->done = std::move(done);
  }
  auto* ctx = std::exchange(ctx_, nullptr);
  try {
    stopper_ = std::thread([st = st_, ctx] { stop_and_report(st, ctx); });
  } catch (const std::system_error&) {
    stop_and_report(st_, ctx); // no thread to be had: stop here
  }
}

void text_http_server::join() {
  if (stopper_.joinable())
    stopper_.join();
}

void text_http_server::abandon() noexcept {
  {
    std::lock_guard<std::mutex> guard{st_->mtx};
    st_->abandoned = true;
    st_->done = nullptr;
  }
  if (stopper_.joinable())
    stopper_.detach();
  if (auto* ctx = std::exchange(ctx_, nullptr)) {
    try {
      std::thread([st = st_, ctx] { stop_and_report(st, ctx); }).detach();
    } catch (const std::system_error&) {
      mg_stop(ctx); // no thread to be had: stop here
    }
  }
}

} // namespace supervise::actors::detail
