#include "testplugin.h"

#include "plugins/api/taskoperator.h"

#include <QObject>

namespace {
const bool g_loaded = millrace::testplugins::markLoaded("operator");
}

class TestOperatorPlugin : public QObject, public millrace::plugins::TaskOperator
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID MillraceTaskOperator_iid FILE "operator.json")
    Q_INTERFACES(millrace::plugins::TaskOperator)

public:
    QJsonObject parameterSchema() const override
    {
        return {{QStringLiteral("type"), QStringLiteral("object")}};
    }
    millrace::plugins::TaskOutcome run(millrace::plugins::TaskContext &) override
    {
        return {true, QStringLiteral("done"), QString()};
    }
};

#include "operator.moc"
