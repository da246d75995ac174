// theory/json_number.hpp: a double as a JSON value, null where JSON has no number (NaN, ±infinity).
#include "theory/json_number.hpp"

#include <catch2/catch.hpp>

#include <limits>

using muonlab::theory::json_number;

TEST_CASE("json_number: finite values round-trip exactly, non-finite ones are null", "[theory][json]") {
  for (double x : {0.0, -0.0, 1.0, -2.5e-300, 1.7976931348623157e308, std::numeric_limits<double>::denorm_min()}) {
    const nlohmann::json j = json_number(x);
    REQUIRE(j.is_number_float());
    CHECK(nlohmann::json::parse(j.dump()).get<double>() == x);  // nlohmann writes the shortest round-trip form
  }
  CHECK(json_number(std::numeric_limits<double>::quiet_NaN()).is_null());
  CHECK(json_number(std::numeric_limits<double>::infinity()).is_null());
  CHECK(json_number(-std::numeric_limits<double>::infinity()).is_null());
  CHECK(json_number(std::numeric_limits<double>::quiet_NaN()).dump() == "null");
}
