#include "testplugin.h"

#include <QObject>

namespace {
const bool g_loaded = millrace::testplugins::markLoaded("nointerface");
}

// Declares the codec interface in its metadata but does not implement it: the loader can only
// find out after loading the library.
class NoInterfacePlugin : public QObject
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID MillraceMessageCodec_iid FILE "nointerface.json")
};

#include "nointerface.moc"
