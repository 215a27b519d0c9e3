// wordstats, in C++ with libc++ (std::string, std::unordered_map, std::sort, iostream): the
// same function as wordstats.c. std::cout goes to the function's log through WASI stdout.
//
//   clang++-19 --target=wasm32-wasi -mexec-model=reactor -fno-exceptions -O2 -I sdk/c \
//     wordstats.cpp -o wordstats_cpp.wasm
#define PULSAR_WASM_IMPLEMENTATION
#include "pulsar_wasm.h"

#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::string wordstats(std::string_view text) {
    std::unordered_map<std::string, uint32_t> counts;
    uint32_t total = 0;
    std::string word;
    auto flush = [&] {
        if (!word.empty()) {
            ++counts[word];
            ++total;
            word.clear();
        }
    };
    for (unsigned char c : text) {
        if (is_space(c)) {
            flush();
        } else {
            word.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
        }
    }
    flush();
    std::vector<std::pair<std::string, uint32_t>> tallies(counts.begin(), counts.end());
    std::sort(tallies.begin(), tallies.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::string out = "total=" + std::to_string(total) + " unique=" + std::to_string(tallies.size()) + " top=";
    for (size_t i = 0; i < tallies.size() && i < 3; ++i) {
        if (i) out += ',';
        out += tallies[i].first + ':' + std::to_string(tallies[i].second);
    }
    std::cout << "wordstats: " << total << " words, " << tallies.size() << " distinct" << std::endl;
    return out;
}

pw_buf out;

pw_result handle(pw_bytes value) {
    std::string result = wordstats(std::string_view(reinterpret_cast<const char *>(value.ptr), value.len));
    out.len = 0;
    pw_buf_put(&out, result.data(), static_cast<uint32_t>(result.size()));
    return pw_buf_value(&out);
}

}  // namespace

extern "C" {
PULSAR_MAIN(handle)
}
