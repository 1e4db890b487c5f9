// metrics_endpoint over a real socket on 127.0.0.1: a tree whose collector
// is attached only through tree_options::observers, scraped with curl, the
// body parsed by the reference Prometheus client (check_prometheus.py); 404
// and 405; the stop that closes the port; a taken port; the option checks.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include "actors_support.hpp"
#include "supervise/actors/errc.hpp"
#include "supervise/actors/metrics_endpoint.hpp"
#include "supervise/metrics.hpp"
#include "text_http_server.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::actors;
using namespace test;

namespace {

// A shell command's exit status and everything it wrote (stderr included).
struct command_result {
  int status = -1;
  std::string out;
};

command_result shell_output(const std::string& cmd) {
  command_result r;
  auto* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr)
    return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;)
    r.out.append(buf, n);
  auto st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string url_of(uint16_t port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

// check_prometheus.py on `text` (through a temporary file).
command_result parse_with_prometheus_client(const std::string& text) {
  char path[] = "/tmp/sv-scrape-XXXXXX";
  int fd = ::mkstemp(path);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE_EQUAL(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
  auto r = shell_output(std::string{SUPERVISE_PROMETHEUS_PYTHON} + " "
                        + SUPERVISE_CHECK_PROMETHEUS + " " + path);
  ::unlink(path);
  return r;
}

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

// A root running each child on its own (a failing one restarts alone).
runnable separate_children(child_list children) {
  return [children](caf::event_based_actor*, context& ctx) -> caf::behavior {
    for (auto& [name, r] : children)
      run(ctx, name, r);
    signal(ctx, signal_type::healthy);
    signal(ctx, signal_type::done);
    return {};
  };
}

// Keeps the reasons of child_failed events and lets the test wait for one.
class failure_catcher : public supervise::observer {
public:
  void on_event(const event& ev) override {
    if (auto* f = std::get_if<child_failed>(&ev)) {
      std::lock_guard<std::mutex> guard{mtx_};
      reasons_.emplace_back(std::string{f->child}, f->reason);
      cv_.notify_all();
    }
  }

  /// The first failure reason of `dn`, waiting up to `bound`.
  caf::error first(const std::string& dn, std::chrono::milliseconds bound = 10s) {
    std::unique_lock<std::mutex> guard{mtx_};
    caf::error found;
    cv_.wait_for(guard, bound, [&] {
      for (auto& [d, r] : reasons_)
        if (d == dn) {
          found = r;
          return true;
        }
      return false;
    });
    return found;
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, caf::error>> reasons_;
};

metrics_endpoint_options endpoint_options(std::shared_ptr<supervise::metrics> m,
                                          std::shared_ptr<http_endpoint> ep, int port = 0) {
  metrics_endpoint_options o;
  o.source = std::move(m);
  o.endpoint = std::move(ep);
  o.port = port;
  return o;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(metrics_endpoint_runnable, actors_fixture)

BOOST_AUTO_TEST_CASE(a_scrape_parses_as_prometheus_text_with_restarts_and_the_histogram) {
  auto m = std::make_shared<supervise::metrics>();
  auto ep = std::make_shared<http_endpoint>();
  auto opts = options();
  opts.observers = {m};
  tree t{sys,
         separate_children({{"metrics", metrics_endpoint(endpoint_options(m, ep))},
                            {"steady", rc(rec, true)},
                            {"flaky", rc(rec, true)}}),
         opts};
  auto port = ep->wait_listening(10s);
  BOOST_REQUIRE(port != 0);
  BOOST_CHECK(rec.wait("root.metrics", node_state::healthy));
  BOOST_CHECK(logs.wait("root.metrics", "serving " + url_of(port, "/metrics")));
  BOOST_REQUIRE(rec.wait("root.flaky", node_state::healthy));
  caf::anon_send(rec.actor("root.flaky"), fail_atom::value);
  BOOST_REQUIRE(rec.wait("root.flaky", node_state::healthy, 2));
  auto scrape = shell_output("curl -sf --max-time 10 " + url_of(port, "/metrics"));
  BOOST_REQUIRE_EQUAL(scrape.status, 0);
  BOOST_TEST_MESSAGE("scraped:\n" << scrape.out);
  auto parsed = parse_with_prometheus_client(scrape.out);
  BOOST_REQUIRE_MESSAGE(parsed.status == 0, parsed.out);
  BOOST_TEST_MESSAGE("parsed:\n" << parsed.out);
  BOOST_CHECK(has_line(parsed.out, "family supervise_restart_latency_seconds histogram"));
  BOOST_CHECK(has_line(parsed.out, "family supervise_restarts counter"));
  BOOST_CHECK(has_line(parsed.out, "family supervise_state gauge"));
  BOOST_CHECK(has_line(parsed.out, "sample supervise_restarts_total{dn=root.flaky} 1.0"));
  BOOST_CHECK(has_line(parsed.out, "sample supervise_restarts_total{dn=root.steady} 0.0"));
  BOOST_CHECK(
    has_line(parsed.out, "sample supervise_failures_total{dn=root.flaky,kind=error} 1.0"));
  BOOST_CHECK(has_line(parsed.out, "sample supervise_state{dn=root.metrics,state=HEALTHY} 1.0"));
  BOOST_CHECK(
    has_line(parsed.out, "sample supervise_restart_latency_seconds_count{supervisor=root} 1.0"));
  BOOST_CHECK(has_line(
    parsed.out, "sample supervise_restart_latency_seconds_bucket{le=+Inf,supervisor=root} 1.0"));
  auto type = shell_output("curl -s -o /dev/null -w '%{content_type}' --max-time 10 "
                           + url_of(port, "/metrics"));
  BOOST_CHECK_EQUAL(type.out, "text/plain; version=0.0.4; charset=utf-8");
  // The stop closes the port before the node ends CANCELED.
  t.stop();
  BOOST_CHECK(!t.wait());
  BOOST_CHECK_EQUAL(rec.count("root.metrics", node_state::canceled), 1u);
  BOOST_CHECK(!ep->listening());
  BOOST_CHECK_EQUAL(ep->last_port(), port);
  BOOST_CHECK(logs.wait("root.metrics", "stopped serving 127.0.0.1:" + std::to_string(port)));
  auto after = shell_output("curl -s --max-time 10 " + url_of(port, "/metrics"));
  BOOST_CHECK_EQUAL(after.status, 7); // curl: could not connect
}

BOOST_AUTO_TEST_CASE(another_path_is_404_and_another_method_405) {
  auto m = std::make_shared<supervise::metrics>();
  auto ep = std::make_shared<http_endpoint>();
  tree t{sys, one_child("metrics", metrics_endpoint(endpoint_options(m, ep))), options()};
  auto port = ep->wait_listening(10s);
  BOOST_REQUIRE(port != 0);
  auto code = [&](const std::string& args) {
    return shell_output("curl -s -o /dev/null -w '%{http_code}' --max-time 10 " + args).out;
  };
  BOOST_CHECK_EQUAL(code(url_of(port, "/metrics")), "200");
  BOOST_CHECK_EQUAL(code(url_of(port, "/")), "404");
  BOOST_CHECK_EQUAL(code(url_of(port, "/metrics/x")), "404");
  BOOST_CHECK_EQUAL(code("-X POST " + url_of(port, "/metrics")), "405");
  auto headers =
    shell_output("curl -s -o /dev/null -D - -X DELETE --max-time 10 " + url_of(port, "/metrics"));
  BOOST_CHECK(headers.out.find("Allow: GET\r\n") != std::string::npos);
  t.stop();
  BOOST_CHECK(!t.wait());
}

BOOST_AUTO_TEST_CASE(a_taken_port_fails_with_bind_failed_naming_it) {
  held_port taken;
  auto catcher = std::make_shared<failure_catcher>();
  auto opts = options();
  opts.observers = {catcher};
  auto m = std::make_shared<supervise::metrics>();
  tree t{sys, one_child("metrics", metrics_endpoint(endpoint_options(m, nullptr, taken.port))),
         opts};
  auto where = "127.0.0.1:" + std::to_string(taken.port);
  auto reason = catcher->first("root.metrics");
  BOOST_REQUIRE(reason);
  BOOST_CHECK(reason == actors_errc::bind_failed);
  auto text = supervise::detail_of(reason);
  BOOST_CHECK_MESSAGE(text.rfind(where + ": ", 0) == 0, text);
  BOOST_CHECK_MESSAGE(text.find("Address already in use") != std::string::npos, text);
  BOOST_CHECK(logs.wait("root.metrics", "cannot listen: " + where));
  BOOST_REQUIRE(rec.wait("root.metrics", node_state::dead, 2)); // retried with backoff
  BOOST_CHECK_EQUAL(rec.count("root.metrics", node_state::healthy), 0u);
  t.stop();
  t.wait();
}

BOOST_AUTO_TEST_CASE(the_checker_rejects_text_that_does_not_parse) {
  auto bad = parse_with_prometheus_client("supervise_starts_total{dn=\"x} 1\n");
  BOOST_CHECK_EQUAL(bad.status, 1);
  BOOST_CHECK(bad.out.find("does not parse") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(validate_names_every_bad_value) {
  metrics_endpoint_options o;
  BOOST_CHECK_EQUAL(supervise::detail_of(validate(o)), "metrics_endpoint: source is null");
  o.port = 70000;
  o.address = "";
  o.num_threads = 0;
  auto err = validate(o);
  BOOST_CHECK(err == supervise::errc::invalid_option);
  BOOST_CHECK_EQUAL(supervise::detail_of(err),
                    "metrics_endpoint: source is null; port 70000 is out of range 0..65535; "
                    "address is empty; num_threads 0 is out of range 1..64");
  o = endpoint_options(std::make_shared<supervise::metrics>(), nullptr, -1);
  o.address = "localhost";
  o.num_threads = 65;
  BOOST_CHECK_EQUAL(supervise::detail_of(validate(o)),
                    "metrics_endpoint: port -1 is out of range 0..65535; address \"localhost\" "
                    "is not an IP address literal; num_threads 65 is out of range 1..64");
  BOOST_CHECK_EXCEPTION(metrics_endpoint(o), std::invalid_argument, [](auto& x) {
    return std::string{x.what()}.find("address \"localhost\"") != std::string::npos;
  });
  o = endpoint_options(std::make_shared<supervise::metrics>(), nullptr, 65535);
  o.address = "::1";
  if (supervise::actors::detail::civetweb_has_ipv6())
    BOOST_CHECK(!validate(o));
  else
    BOOST_CHECK_EQUAL(supervise::detail_of(validate(o)),
                      "metrics_endpoint: address \"::1\": this civetweb has no IPv6");
  o.address = "0.0.0.0";
  BOOST_CHECK(!validate(o));
}

BOOST_AUTO_TEST_SUITE_END()
