// The .npy writer: byte layout per NumPy's format v1.0, and (when NumPy is
// installed) np.load reading back the same shape, dtype and values.
#include "core/npy.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "core/error.hpp"
#include "support/temp_dir.hpp"

namespace atrous {
namespace {

uint16_t header_length(const std::string& bytes) {
  return static_cast<uint16_t>(static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8);
}

TEST(Npy, HeaderIsVersionOneAlignedAndDescribesLittleEndianFloat32) {
  const std::vector<float> values{0.f, 1.f, -2.5f, 3.25f, 4.f, 5.f};
  const std::string bytes = to_npy({1, 2, 3}, values);
  ASSERT_GT(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 6), std::string("\x93NUMPY", 6));
  EXPECT_EQ(bytes[6], 1);
  EXPECT_EQ(bytes[7], 0);
  const size_t n = header_length(bytes);
  const size_t data_at = 10 + n;
  EXPECT_EQ(data_at % 64, 0u);
  const std::string header = bytes.substr(10, n);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }", 0), 0u) << header;
  EXPECT_EQ(header.back(), '\n');
  ASSERT_EQ(bytes.size(), data_at + values.size() * 4);
  std::vector<float> back(values.size());
  std::memcpy(back.data(), bytes.data() + data_at, values.size() * 4);
  EXPECT_EQ(back, values);
  // Little-endian on disk: 1.0f is 00 00 80 3f.
  EXPECT_EQ(bytes.substr(data_at + 4, 4), std::string("\x00\x00\x80\x3f", 4));
}

TEST(Npy, OneDimensionalShapeIsATupleWithATrailingComma) {
  const std::string bytes = to_npy({2}, {1.f, 2.f});
  EXPECT_NE(bytes.find("'shape': (2,), }"), std::string::npos);
}

TEST(Npy, ValueCountMustMatchTheShape) {
  EXPECT_THROW(to_npy({2, 2}, {1.f, 2.f, 3.f}), Error);
}

TEST(Npy, NumPyLoadsItWithShapeDtypeAndValues) {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) GTEST_SKIP() << "NumPy not installed";
  testing::TempDir dir("npy");
  std::vector<float> values(2 * 3 * 4);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.5f - 3.f;
  const std::string path = dir / "x.npy";
  std::ofstream(path, std::ios::binary) << to_npy({2, 3, 4}, values);
  // Exits 0 only if shape, dtype and every value (C order) are as written.
  const std::string script =
      "import numpy as np, sys; a = np.load(sys.argv[1]); "
      "ok = a.shape == (2, 3, 4) and a.dtype == np.dtype('<f4') and "
      "np.array_equal(a, (np.arange(24, dtype=np.float32) * 0.5 - 3).reshape(2, 3, 4)); sys.exit(0 if ok else 1)";
  EXPECT_EQ(std::system(("/usr/bin/python3 -c \"" + script + "\" " + path).c_str()), 0);
}

}  // namespace
}  // namespace atrous
