#define BOOST_TEST_MODULE supervise
#include <boost/test/unit_test.hpp>
