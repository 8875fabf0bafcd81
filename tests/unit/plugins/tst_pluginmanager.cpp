#include "core/plugins/pluginmanager.h"
#include "plugins/api/messagecodec.h"
#include "plugins/api/modelarchitecture.h"
#include "plugins/api/taskoperator.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace millrace;
using namespace Qt::StringLiterals;

namespace {

// Kept in step with tests/unit/plugins/testplugins/testplugin.h.
constexpr char kLoadedVariable[] = "MILLRACE_TESTPLUGINS_LOADED";

QStringList idsOf(const QList<PluginInfo> &plugins)
{
    QStringList ids;
    for (const PluginInfo &plugin : plugins)
        ids.append(plugin.id);
    return ids;
}

} // namespace

class TestPluginManager : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void loadsValidPluginsInKindThenIdOrder();
    void sortsAcrossDirectories();
    void reportsEachBadLibrary_data();
    void reportsEachBadLibrary();
    void rejectsByMetadataWithoutRunningPluginCode();
    void findsPluginsByIdAndInterface();
    void toleratesMissingAndEmptyDirectories();

private:
    // A copy of the test plugins plus files that are not plugins, in a folder of the test's own.
    QTemporaryDir m_pluginDir;
    std::unique_ptr<PluginManager> m_manager;
};

void TestPluginManager::initTestCase()
{
    QVERIFY(m_pluginDir.isValid());
    const QDir built(QStringLiteral(MILLRACE_TEST_PLUGIN_DIR));
    const QStringList files = built.entryList(QDir::Files);
    QVERIFY2(files.size() >= 10, qPrintable(u"test plugins missing in "_s + built.path()));
    for (const QString &file : files)
        QVERIFY(QFile::copy(built.filePath(file), m_pluginDir.filePath(file)));

    QFile fakeLibrary(m_pluginDir.filePath(QStringLiteral("libnotaplugin.so")));
    QVERIFY(fakeLibrary.open(QIODevice::WriteOnly));
    fakeLibrary.write("this is text, not a shared library\n");
    fakeLibrary.close();
    QFile readme(m_pluginDir.filePath(QStringLiteral("README.txt")));
    QVERIFY(readme.open(QIODevice::WriteOnly));
    readme.write("Not a library either; the loader should not even look at it.\n");
    readme.close();

    qunsetenv(kLoadedVariable);
    m_manager = std::make_unique<PluginManager>();
    m_manager->load({m_pluginDir.path()});
}

void TestPluginManager::loadsValidPluginsInKindThenIdOrder()
{
    // Codecs first, then architectures, then operators; by id within a kind. The file names
    // (libtp_architecture, libtp_bbbcodec, libtp_operator, libtp_zzzcodec) sort differently.
    const QStringList expected = {QStringLiteral("bbb-codec"), QStringLiteral("zzz-codec"),
                                  QStringLiteral("mmm-architecture"),
                                  QStringLiteral("aaa-operator")};
    QCOMPARE(idsOf(m_manager->plugins()), expected);

    const PluginInfo codec = m_manager->plugins().constFirst();
    QCOMPARE(codec.kind, QStringLiteral("message-codec"));
    QCOMPARE(codec.name, QStringLiteral("Test plugin bbbcodec"));
    QCOMPARE(codec.version, QStringLiteral("0.0.1"));
    QCOMPARE(QFileInfo(codec.file).fileName(), QStringLiteral("libtp_bbbcodec.so"));
}

void TestPluginManager::sortsAcrossDirectories()
{
    // The built-in json codec and model architectures come from another folder but still sort
    // among the test plugins of their kind.
    PluginManager manager;
    manager.load({m_pluginDir.path(), QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)});
    const QStringList expected = {QStringLiteral("bbb-codec"),        QStringLiteral("json-codec"),
                                  QStringLiteral("zzz-codec"),        QStringLiteral("image-cnn"),
                                  QStringLiteral("mmm-architecture"), QStringLiteral("tabular-mlp"),
                                  QStringLiteral("aaa-operator"),     QStringLiteral("shell")};
    QCOMPARE(idsOf(manager.plugins()), expected);
}

void TestPluginManager::reportsEachBadLibrary_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QString>("reason");

    QTest::newRow("metadata without id")
        << u"libtp_missingid.so"_s << u"metadata lacks the text field \"id\""_s;
    QTest::newRow("other API version")
        << u"libtp_wrongapi.so"_s << u"built for plugin API 2, this Millrace has API 1"_s;
    QTest::newRow("kind and interface disagree")
        << u"libtp_kindmismatch.so"_s
        << u"kind \"task-operator\" needs interface org.millrace.TaskOperator/1, the library "
           "declares org.millrace.MessageCodec/1"_s;
    QTest::newRow("unknown kind") << u"libtp_unknownkind.so"_s
                                  << u"unknown plugin kind \"data-source\""_s;
    QTest::newRow("id already taken")
        << u"libtp_duplicate.so"_s << u"plugin id \"bbb-codec\" is already taken"_s;
    QTest::newRow("interface not implemented")
        << u"libtp_nointerface.so"_s << u"does not implement the message-codec interface"_s;
    QTest::newRow("not a library") << u"libnotaplugin.so"_s << u"not a Qt plugin"_s;
}

void TestPluginManager::reportsEachBadLibrary()
{
    QFETCH(QString, fileName);
    QFETCH(QString, reason);

    QStringList messages;
    for (const PluginLoadError &error : m_manager->errors()) {
        if (QFileInfo(error.file).fileName() == fileName)
            messages.append(error.message);
    }
    QCOMPARE(messages.size(), 1);
    QVERIFY2(messages.constFirst().contains(reason), qPrintable(messages.constFirst()));
    for (const PluginInfo &plugin : m_manager->plugins())
        QVERIFY(QFileInfo(plugin.file).fileName() != fileName);
}

void TestPluginManager::rejectsByMetadataWithoutRunningPluginCode()
{
    // Seven bad libraries are reported; the text file is skipped silently.
    QCOMPARE(m_manager->errors().size(), 7);
    for (const PluginLoadError &error : m_manager->errors())
        QVERIFY(!error.file.endsWith(u"README.txt"_s));

    // Each test plugin notes when its code runs. Only the valid ones and the one whose defect
    // shows only once loaded (it lacks the interface it declares) may have run.
    QStringList ran = QString::fromLocal8Bit(qgetenv(kLoadedVariable)).split(u',');
    ran.sort();
    const QStringList expected = {QStringLiteral("architecture"), QStringLiteral("bbbcodec"),
                                  QStringLiteral("nointerface"), QStringLiteral("operator"),
                                  QStringLiteral("zzzcodec")};
    QCOMPARE(ran, expected);
}

void TestPluginManager::findsPluginsByIdAndInterface()
{
    auto *codec = m_manager->find<plugins::MessageCodec>(QStringLiteral("bbb-codec"));
    QVERIFY(codec);
    // The first library with the id wins; the duplicate (application/x-duplicate) does not.
    QCOMPARE(codec->contentType(), QStringLiteral("application/x-bbb"));
    QCOMPARE(m_manager->find<plugins::MessageCodec>(QStringLiteral("zzz-codec"))->contentType(),
             QStringLiteral("application/x-zzz"));

    auto *architecture =
        m_manager->find<plugins::ModelArchitecture>(QStringLiteral("mmm-architecture"));
    QVERIFY(architecture);
    QVERIFY(architecture->architecture().inputKind() == ml::InputKind::Tabular);
    QCOMPARE(architecture->architecture().hyperparameters().size(), size_t(1));
    auto *taskOperator = m_manager->find<plugins::TaskOperator>(QStringLiteral("aaa-operator"));
    QVERIFY(taskOperator);
    QCOMPARE(taskOperator->parameterSchema().value(u"type"_s).toString(), u"object"_s);

    // Asking for the wrong interface, an unknown id or a rejected plugin gives nothing.
    QVERIFY(!m_manager->find<plugins::TaskOperator>(QStringLiteral("bbb-codec")));
    QVERIFY(!m_manager->find<plugins::MessageCodec>(QStringLiteral("no-such-plugin")));
    QVERIFY(!m_manager->find<plugins::MessageCodec>(QStringLiteral("wrong-api-codec")));
    QVERIFY(!m_manager->find<plugins::MessageCodec>(QStringLiteral("ccc-codec")));
}

void TestPluginManager::toleratesMissingAndEmptyDirectories()
{
    QTemporaryDir empty;
    QVERIFY(empty.isValid());
    PluginManager manager;
    manager.load({empty.path(), empty.filePath(QStringLiteral("does-not-exist"))});
    QVERIFY(manager.plugins().isEmpty());
    QVERIFY(manager.errors().isEmpty());
    QVERIFY(!manager.find<plugins::MessageCodec>(QStringLiteral("bbb-codec")));
}

QTEST_GUILESS_MAIN(TestPluginManager)

#include "tst_pluginmanager.moc"
