#include "testplugin.h"

#include <QObject>

namespace {
const bool g_loaded = millrace::testplugins::markLoaded("wrongapi");
}

class WrongApiPlugin : public QObject, public millrace::testplugins::TestCodec
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID MillraceMessageCodec_iid FILE "wrongapi.json")
    Q_INTERFACES(millrace::plugins::MessageCodec)

public:
    QString contentType() const override { return QStringLiteral("application/x-wrong-api"); }
};

#include "wrongapi.moc"
