#define BOOST_TEST_MODULE supervise_actors
#include <boost/test/unit_test.hpp>
