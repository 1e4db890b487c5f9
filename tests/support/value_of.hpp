// value_of.hpp — unwraps a caf::expected in a Boost.Test case, failing the
// case with the rendered error when there is none.
#pragma once

#include <boost/test/unit_test.hpp>

#include <caf/expected.hpp>

#include "supervise/errc.hpp"

namespace test {

template <class T>
T value_of(caf::expected<T> x) {
  if (!x)
    BOOST_FAIL("unexpected error: " << supervise::render(x.error()));
  return std::move(*x);
}

} // namespace test
