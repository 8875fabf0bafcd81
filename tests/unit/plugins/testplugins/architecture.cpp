#include "testplugin.h"

#include "plugins/api/modelarchitecture.h"

#include <QObject>

namespace {
const bool g_loaded = millrace::testplugins::markLoaded("architecture");

// The loader never builds networks, so the test plugin needs no LibTorch.
class NoNetworks : public millrace::ml::Architecture
{
public:
    std::string id() const override { return "mmm-architecture"; }
    std::string displayName() const override { return "Test architecture"; }
    millrace::ml::InputKind inputKind() const override { return millrace::ml::InputKind::Tabular; }
    millrace::ml::SearchSpace hyperparameters() const override
    {
        return {{"hidden",
                 millrace::ml::HyperparameterSpec::Kind::Integer,
                 1,
                 64,
                 false,
                 {},
                 std::int64_t(8),
                 "hidden units"}};
    }
    millrace::ml::Result<std::shared_ptr<millrace::ml::Network>>
    create(const millrace::ml::Hyperparameters &, const std::vector<std::int64_t> &,
           std::int64_t) const override
    {
        return millrace::ml::fail("the test architecture builds no networks");
    }
};
} // namespace

class TestArchitecturePlugin : public QObject, public millrace::plugins::ModelArchitecture
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID MillraceModelArchitecture_iid FILE "architecture.json")
    Q_INTERFACES(millrace::plugins::ModelArchitecture)

public:
    const millrace::ml::Architecture &architecture() const override { return m_architecture; }

private:
    NoNetworks m_architecture;
};

#include "architecture.moc"
