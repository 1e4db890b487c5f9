// bad_input_support.hpp — checks shared by the bad-input cases: the error
// has the expected code and its message names the bad value, a throwing call
// throws std::invalid_argument naming it, and the tree or supervisor under
// test still restarts a child afterwards.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "supervise/errc.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "supervisor_support.hpp"
#include "value_of.hpp"

namespace test {

// The code is `code` and the message contains `needle`.
inline void expect(const caf::error& err, supervise::errc code, const std::string& needle) {
  BOOST_CHECK_MESSAGE(err == code,
                      "expected " << to_string(code) << ", got " << supervise::render(err));
  BOOST_CHECK_MESSAGE(supervise::detail_of(err).find(needle) != std::string::npos,
                      "\"" << supervise::detail_of(err) << "\" does not name \"" << needle << "\"");
}

template <class T>
void expect(const caf::expected<T>& x, supervise::errc code, const std::string& needle) {
  BOOST_REQUIRE_MESSAGE(!x, "expected " << to_string(code) << ", got a value");
  expect(x.error(), code, needle);
}

// `f` throws std::invalid_argument whose what() contains `needle`.
inline void expect_invalid_argument(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    BOOST_ERROR("no exception; expected one naming \"" << needle << "\"");
  } catch (const std::invalid_argument& e) {
    BOOST_CHECK_MESSAGE(std::string{e.what()}.find(needle) != std::string::npos,
                        "\"" << e.what() << "\" does not name \"" << needle << "\"");
  }
}

// A root that calls `body` with its context (collecting errors), runs an rc
// child "c" to prove the tree still works, then stays healthy.
inline supervise::runnable probing_root(recorder& rec,
                                         std::function<void(supervise::context&)> body) {
  return [&rec, body](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
    supervise::run(ctx, "c", rc(rec));
    body(ctx);
    return {[](ping_atom) {}};
  };
}

/// Manual clock + event log, and a standalone supervisor on demand.
struct bad_input_fixture : manual_supervisor_fixture {
  using manual_fixture::stop;
  using manual_supervisor_fixture::stop;

  // `dn` (an rc child) fails and is started again.
  void still_restarts(const std::string& dn) {
    auto before = rec.starts(dn);
    BOOST_REQUIRE_MESSAGE(before > 0, dn << " never started");
    send(dn, fail_atom::value);
    advance(1s); // a tree node's backoff (500 ms); a service restarts at once
    BOOST_CHECK_MESSAGE(rec.starts(dn) == before + 1, dn << " did not restart");
  }

  // A running standalone supervisor "A" with an rc service "x".
  supervise::supervisor& running_a() {
    a.emplace(sys, "A", quiet_spec());
    token = value_of(a->add("x", rc(rec)));
    BOOST_REQUIRE(!a->start());
    settle();
    return *a;
  }

  std::optional<supervise::supervisor> a;
  supervise::service_token token;
};

} // namespace test
