#define BOOST_TEST_MODULE supervise_top
#include <boost/test/unit_test.hpp>
