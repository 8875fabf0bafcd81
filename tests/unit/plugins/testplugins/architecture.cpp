#include "testplugin.h"

#include "plugins/api/modelarchitecture.h"

#include <QObject>

namespace {
const bool g_loaded = millrace::testplugins::markLoaded("architecture");
}

class TestArchitecturePlugin : public QObject, public millrace::plugins::ModelArchitecture
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID MillraceModelArchitecture_iid FILE "architecture.json")
    Q_INTERFACES(millrace::plugins::ModelArchitecture)

public:
    QString inputKind() const override { return QStringLiteral("tabular"); }
    QJsonObject defaultHyperparameters() const override { return {{QStringLiteral("hidden"), 8}}; }
    // The loader never builds networks, so the test plugin needs no LibTorch.
    std::shared_ptr<torch::nn::Module> create(const QJsonObject &, int) const override
    {
        return nullptr;
    }
};

#include "architecture.moc"
