// The public headers as a user sees them: fwd.hpp stands alone and agrees
// with the definitions (it comes first here, then all.hpp defines every
// type: a mismatch, such as another underlying type of a scoped enum, does
// not compile), all.hpp includes every public header, and a context can be
// received but not built by user code.
#include "supervise/fwd.hpp"

// Declarations only: what fwd.hpp is for.
namespace fwd_only {
void takes(const supervise::tree_options&, supervise::context&, const supervise::child_info&,
           supervise::service_token*, supervise::errc, supervise::node_state);
} // namespace fwd_only

#include "supervise/all.hpp"

#include <memory>
#include <string>
#include <type_traits>

#include <boost/test/unit_test.hpp>

using namespace supervise;

// context: no public constructor (the engine makes one per incarnation), and
// no public way to the incarnation behind it.
static_assert(!std::is_default_constructible_v<context>);
static_assert(!std::is_constructible_v<context, std::shared_ptr<detail::incarnation>>);
static_assert(std::is_copy_constructible_v<context>);

// The value types moved out of supervisor.hpp are complete through child_info.hpp.
static_assert(std::is_default_constructible_v<service_token>);
static_assert(std::is_default_constructible_v<service_info>);
static_assert(std::is_default_constructible_v<child_info>);
static_assert(std::is_default_constructible_v<child_counts>);
static_assert(std::is_default_constructible_v<unstopped_child>);

BOOST_AUTO_TEST_SUITE(public_headers)

BOOST_AUTO_TEST_CASE(the_version_string_matches_its_numbers) {
  auto composed = std::to_string(SUPERVISE_VERSION_MAJOR) + "."
                  + std::to_string(SUPERVISE_VERSION_MINOR) + "."
                  + std::to_string(SUPERVISE_VERSION_PATCH);
  BOOST_CHECK_EQUAL(std::string{version_string}, composed);
  BOOST_CHECK_EQUAL(SUPERVISE_VERSION, SUPERVISE_VERSION_MAJOR * 10000
                                         + SUPERVISE_VERSION_MINOR * 100
                                         + SUPERVISE_VERSION_PATCH);
}

BOOST_AUTO_TEST_CASE(value_types_keep_their_defaults) {
  service_token t;
  BOOST_CHECK(t == service_token{});
  BOOST_CHECK(t != (service_token{1, 1}));
  child_info c;
  BOOST_CHECK(c.state == node_state::new_);
  BOOST_CHECK(c.type == child_type::worker);
  BOOST_CHECK(c.restart == restart_type::permanent);
  child_counts n;
  BOOST_CHECK_EQUAL(n.specs + n.active + n.supervisors + n.workers, 0u);
  child_list group;
  group.emplace_back("a", runnable{});
  BOOST_CHECK_EQUAL(group.size(), 1u);
}

BOOST_AUTO_TEST_SUITE_END()
