// packaging/: the systemd unit passes `systemd-analyze verify` (with ExecStart pointing at the
// binary just built, since /usr/bin/xmr-ray is not installed here), when systemd-analyze exists.
#include <gtest/gtest.h>

#include <regex>

#include "support/test_support.h"

namespace xmr {
namespace {

TEST(Packaging, SystemdUnitVerifies) {
  if (test::run("command -v systemd-analyze").exit_code != 0) GTEST_SKIP() << "systemd-analyze is not installed";
  test::TempDir d;
  std::string unit = test::read_file(test::source_dir() / "packaging" / "xmr-ray.service");
  ASSERT_NE(unit.find("NoNewPrivileges=yes"), std::string::npos);
  ASSERT_NE(unit.find("ProtectSystem=strict"), std::string::npos);
  // The service runs from the shipped config file and reloads with SIGHUP.
  ASSERT_NE(unit.find("collect --config /etc/xmr-ray/xmr-ray.toml"), std::string::npos);
  ASSERT_NE(unit.find("ExecReload=/bin/kill -HUP $MAINPID"), std::string::npos);
  unit = std::regex_replace(unit, std::regex("/usr/bin/xmr-ray"), test::xmr_binary().string());
  test::write_file(d / "xmr-ray.service", unit);
  const auto r = test::run("systemd-analyze verify " + test::sh_quote((d / "xmr-ray.service").string()) + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << "systemd-analyze (is systemd installed?): " << r.out;
  EXPECT_EQ(r.out.find("xmr-ray.service:"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace xmr
