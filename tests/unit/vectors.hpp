// The shared test vectors (tests/stats/*.json) that hold every
// implementation of one statistic to the same answers.
#pragma once
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

// The "cases" of tests/stats/<name>.json, at least `at_least` of them.
inline nlohmann::json shared_vectors(const std::string& name, std::size_t at_least) {
    std::ifstream f(std::string(DMABENCH_SOURCE_DIR) + "/tests/stats/" + name);
    EXPECT_TRUE(f) << "tests/stats/" << name;
    if (!f) return nlohmann::json::array();
    auto cases = nlohmann::json::parse(f)["cases"];
    EXPECT_GE(cases.size(), at_least) << name;
    return cases;
}
