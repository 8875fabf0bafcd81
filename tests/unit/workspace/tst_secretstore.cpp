// The secret store against a real system keychain: ctest runs this under
// tests/testsupport/with_keyring.sh, which starts gnome-keyring's Secret Service, unlocked, on a
// private D-Bus session bus. What the store wrote is checked over D-Bus as well, past QtKeychain.

#include "core/workspace/secretstore.h"

#include "testsupport/verify.h"

#include <QCoreApplication>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusObjectPath>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUuid>

#include <atomic>
#include <memory>
#include <optional>

using namespace millrace;
using namespace Qt::StringLiterals;

namespace {

// Set in the copy of this test that withoutKeychain() runs without a session bus.
constexpr char kNoBusChild[] = "MILLRACE_TST_SECRETSTORE_NO_BUS";

using Attributes = QMap<QString, QString>;

// How many entries the Secret Service holds for `key`, asked over D-Bus without QtKeychain (which
// files an entry under the attributes user=<key>, server=<service>).
int keychainEntryCount(const QString &key)
{
    QDBusMessage call =
        QDBusMessage::createMethodCall(u"org.freedesktop.secrets"_s, u"/org/freedesktop/secrets"_s,
                                       u"org.freedesktop.Secret.Service"_s, u"SearchItems"_s);
    call << QVariant::fromValue(Attributes{{u"user"_s, key}, {u"server"_s, kSecretService}});
    const QDBusMessage reply = QDBusConnection::sessionBus().call(call);
    if (reply.type() != QDBusMessage::ReplyMessage || reply.arguments().size() != 2) {
        qWarning() << "SearchItems failed:" << reply.errorMessage();
        return -1;
    }
    const auto unlocked = qdbus_cast<QList<QDBusObjectPath>>(reply.arguments().at(0));
    const auto locked = qdbus_cast<QList<QDBusObjectPath>>(reply.arguments().at(1));
    return int(unlocked.size() + locked.size());
}

// A value of `bytes` UTF-8 bytes, not one character repeated: ASCII with some two-byte letters.
QString valueOfBytes(int bytes)
{
    QString value;
    int size = 0;
    for (int i = 0; size < bytes; ++i) {
        if (i % 16 == 15 && size + 2 <= bytes) {
            value += u'é';
            size += 2;
        } else {
            value += QChar(u'a' + i % 26);
            size += 1;
        }
    }
    return value;
}

// The outcome of an asynchronous call, and the thread its callback ran on.
template <typename T> struct Answer
{
    std::optional<Result<T>> result;
    QThread *thread = nullptr;
};

template <typename T> std::function<void(Result<T>)> recordInto(std::shared_ptr<Answer<T>> answer)
{
    return [answer](Result<T> result) {
        answer->thread = QThread::currentThread();
        answer->result = std::move(result);
    };
}

} // namespace

class TestSecretStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void writeReadOverwriteDelete();
    void readMissingKeyIsNotFound();
    void deleteMissingKeySucceeds();
    void emptyKeyIsRefused();
    void roundTrip_data();
    void roundTrip();
    void keysAreIndependent();
    void blockingFromWorkerThreads();
    void asyncWriteReadDelete();
    void asyncAnswersOnContextThread();
    void asyncDroppedWhenContextIsGone();
    void withoutKeychain();

private:
    // A key of this run's own, so runs never see each other's entries; removed at the end.
    QString newKey(const QString &name);

    QString m_prefix;
    QStringList m_keys;
};

QString TestSecretStore::newKey(const QString &name)
{
    m_keys.append(m_prefix + name);
    return m_keys.last();
}

void TestSecretStore::initTestCase()
{
    if (qEnvironmentVariableIsSet(kNoBusChild))
        return;
    qDBusRegisterMetaType<Attributes>();
    QDBusConnection bus = QDBusConnection::sessionBus();
    QVERIFY2(bus.isConnected(), "no D-Bus session bus: run this test through "
                                "tests/testsupport/with_keyring.sh (ctest does)");
    QVERIFY2(bus.interface()->isServiceRegistered(u"org.freedesktop.secrets"_s),
             "no Secret Service on the session bus: run this test through "
             "tests/testsupport/with_keyring.sh (ctest does)");
    m_prefix = u"tests/%1/"_s.arg(QUuid::createUuid().toString(QUuid::WithoutBraces));
}

void TestSecretStore::cleanupTestCase()
{
    for (const QString &key : std::as_const(m_keys))
        VERIFY_OK(deleteSecret(key));
}

void TestSecretStore::writeReadOverwriteDelete()
{
    const QString key = newKey(u"streams/profile-1/sasl-password"_s);
    QCOMPARE(keychainEntryCount(key), 0);

    VERIFY_OK(writeSecret(key, u"first password"_s));
    QCOMPARE(keychainEntryCount(key), 1);
    Result<QString> read = readSecret(key);
    VERIFY_OK(read);
    QCOMPARE(*read, u"first password"_s);

    // Overwriting replaces the entry rather than adding a second one.
    VERIFY_OK(writeSecret(key, u"second password"_s));
    QCOMPARE(keychainEntryCount(key), 1);
    read = readSecret(key);
    VERIFY_OK(read);
    QCOMPARE(*read, u"second password"_s);

    VERIFY_OK(deleteSecret(key));
    QCOMPARE(keychainEntryCount(key), 0);
    VERIFY_FAILS(readSecret(key), secreterror::kNotFound);
}

void TestSecretStore::readMissingKeyIsNotFound()
{
    const QString key = newKey(u"streams/never-written/sasl-password"_s);
    const Result<QString> read = readSecret(key);
    VERIFY_FAILS(read, secreterror::kNotFound);
    QVERIFY2(read.errorMessage().contains(key), qPrintable(read.errorMessage()));
}

void TestSecretStore::deleteMissingKeySucceeds()
{
    const QString key = newKey(u"streams/never-written/tls-key-password"_s);
    VERIFY_OK(deleteSecret(key));
    VERIFY_OK(deleteSecret(key));
}

void TestSecretStore::emptyKeyIsRefused()
{
    VERIFY_FAILS(readSecret(QString()), QString());
    VERIFY_FAILS(writeSecret(QString(), u"value"_s), QString());
    QCOMPARE(keychainEntryCount(QString()), 0);
}

void TestSecretStore::roundTrip_data()
{
    QTest::addColumn<QString>("value");
    QTest::newRow("ascii") << u"hunter2"_s;
    QTest::newRow("unicode") << u"pässwörd ключ 密码 🔑 ∑"_s;
    QTest::newRow("spaces and symbols") << u"  a b\t\"quoted\" \\ ;=&%$ \n second line  "_s;
    QTest::newRow("4 KB") << valueOfBytes(4096);
}

void TestSecretStore::roundTrip()
{
    QFETCH(QString, value);
    const QString key = newKey(u"tokens/"_s + QString::fromLatin1(QTest::currentDataTag()));
    if (value.size() > 1000)
        QCOMPARE(value.toUtf8().size(), 4096);
    VERIFY_OK(writeSecret(key, value));
    const Result<QString> read = readSecret(key);
    VERIFY_OK(read);
    QCOMPARE(*read, value);
}

void TestSecretStore::keysAreIndependent()
{
    const QString kafka = newKey(u"streams/a/sasl-password"_s);
    const QString tls = newKey(u"streams/a/tls-key-password"_s);
    VERIFY_OK(writeSecret(kafka, u"kafka"_s));
    VERIFY_OK(writeSecret(tls, u"tls"_s));
    QCOMPARE(*readSecret(kafka), u"kafka"_s);
    QCOMPARE(*readSecret(tls), u"tls"_s);

    VERIFY_OK(deleteSecret(kafka));
    VERIFY_FAILS(readSecret(kafka), secreterror::kNotFound);
    const Result<QString> read = readSecret(tls);
    VERIFY_OK(read);
    QCOMPARE(*read, u"tls"_s);
}

void TestSecretStore::blockingFromWorkerThreads()
{
    // Two workers at once, each writing, reading back and deleting its own key a few times.
    struct Worker
    {
        QString key;
        QStringList errors;
        std::unique_ptr<QThread> thread;
    };
    std::vector<Worker> workers(2);
    for (size_t i = 0; i < workers.size(); ++i) {
        Worker &worker = workers[i];
        worker.key = newKey(u"workers/%1/password"_s.arg(i));
        worker.thread.reset(QThread::create([&worker] {
            for (int round = 0; round < 3; ++round) {
                const QString value = u"%1 round %2"_s.arg(worker.key).arg(round);
                if (Result<void> written = writeSecret(worker.key, value); !written)
                    worker.errors << u"write: "_s + written.errorMessage();
                const Result<QString> read = readSecret(worker.key);
                if (!read)
                    worker.errors << u"read: "_s + read.errorMessage();
                else if (*read != value)
                    worker.errors << u"read %1 instead of %2"_s.arg(*read, value);
                if (Result<void> deleted = deleteSecret(worker.key); !deleted)
                    worker.errors << u"delete: "_s + deleted.errorMessage();
                if (readSecret(worker.key).error().code != secreterror::kNotFound)
                    worker.errors << u"still there after delete"_s;
            }
        }));
        worker.thread->start();
    }
    for (Worker &worker : workers) {
        QVERIFY(worker.thread->wait(QDeadlineTimer(30'000)));
        QVERIFY2(worker.errors.isEmpty(), qPrintable(worker.errors.join(u"; "_s)));
        QCOMPARE(keychainEntryCount(worker.key), 0);
    }
}

void TestSecretStore::asyncWriteReadDelete()
{
    const QString key = newKey(u"streams/async/sasl-password"_s);
    QObject context;

    auto written = std::make_shared<Answer<void>>();
    writeSecretAsync(key, u"async password"_s, &context, recordInto(written));
    QTRY_VERIFY(written->result.has_value());
    VERIFY_OK(*written->result);
    QCOMPARE(written->thread, QThread::currentThread());
    QCOMPARE(keychainEntryCount(key), 1);

    auto read = std::make_shared<Answer<QString>>();
    readSecretAsync(key, &context, recordInto(read));
    QTRY_VERIFY(read->result.has_value());
    VERIFY_OK(*read->result);
    QCOMPARE(**read->result, u"async password"_s);

    auto deleted = std::make_shared<Answer<void>>();
    deleteSecretAsync(key, &context, recordInto(deleted));
    QTRY_VERIFY(deleted->result.has_value());
    VERIFY_OK(*deleted->result);
    QCOMPARE(keychainEntryCount(key), 0);

    auto missing = std::make_shared<Answer<QString>>();
    readSecretAsync(key, &context, recordInto(missing));
    QTRY_VERIFY(missing->result.has_value());
    VERIFY_FAILS(*missing->result, secreterror::kNotFound);
}

void TestSecretStore::asyncAnswersOnContextThread()
{
    const QString key = newKey(u"streams/context-thread/sasl-password"_s);
    VERIFY_OK(writeSecret(key, u"value"_s));

    QThread thread;
    thread.start();
    auto *context = new QObject;
    context->moveToThread(&thread);
    auto read = std::make_shared<Answer<QString>>();
    std::atomic_bool answered = false;
    readSecretAsync(key, context, [read, &answered](Result<QString> result) {
        read->thread = QThread::currentThread();
        read->result = std::move(result);
        answered = true;
    });
    QTRY_VERIFY(answered.load());
    QCOMPARE(read->thread, &thread);
    VERIFY_OK(*read->result);
    QCOMPARE(**read->result, u"value"_s);

    QMetaObject::invokeMethod(context, &QObject::deleteLater);
    thread.quit();
    QVERIFY(thread.wait(QDeadlineTimer(10'000)));
}

void TestSecretStore::asyncDroppedWhenContextIsGone()
{
    const QString key = newKey(u"streams/gone/sasl-password"_s);
    VERIFY_OK(writeSecret(key, u"value"_s));

    auto dropped = std::make_shared<Answer<QString>>();
    auto kept = std::make_shared<Answer<QString>>();
    auto goneContext = std::make_unique<QObject>();
    QObject keptContext;
    readSecretAsync(key, goneContext.get(), recordInto(dropped));
    readSecretAsync(key, &keptContext, recordInto(kept));
    goneContext.reset();

    // The keychain answers in order, so once the second answer is in, the first was sent too.
    QTRY_VERIFY(kept->result.has_value());
    VERIFY_OK(*kept->result);
    QTest::qWait(50);
    QVERIFY(!dropped->result.has_value());
}

void TestSecretStore::withoutKeychain()
{
    const QString secretValue = u"must-not-be-written-anywhere"_s;
    if (qEnvironmentVariableIsSet(kNoBusChild)) {
        // The child: DBUS_SESSION_BUS_ADDRESS points at a socket that does not exist.
        const QString key = u"streams/no-bus/sasl-password"_s;
        const auto verifyNoKeychain = [](const Error &error) {
            QCOMPARE(error.code, secreterror::kNoKeychain);
            QVERIFY2(error.message.startsWith(u"no system keychain available: "_s),
                     qPrintable(error.message));
            QVERIFY2(error.message.contains(u"D-Bus session bus"_s), qPrintable(error.message));
        };
        const Result<QString> read = readSecret(key);
        QVERIFY(!read);
        verifyNoKeychain(read.error());
        const Result<void> written = writeSecret(key, secretValue);
        QVERIFY(!written);
        verifyNoKeychain(written.error());
        QVERIFY2(!written.errorMessage().contains(secretValue), qPrintable(written.errorMessage()));
        const Result<void> deleted = deleteSecret(key);
        QVERIFY(!deleted);
        verifyNoKeychain(deleted.error());

        QObject context;
        auto asyncRead = std::make_shared<Answer<QString>>();
        readSecretAsync(key, &context, recordInto(asyncRead));
        QTRY_VERIFY(asyncRead->result.has_value());
        QVERIFY(!*asyncRead->result);
        verifyNoKeychain(asyncRead->result->error());
        return;
    }

    // The parent runs this same test function in a child process whose session bus address
    // leads nowhere (the D-Bus connection is made once per process, so it cannot be in this one).
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QString::fromLatin1(kNoBusChild), u"1"_s);
    environment.insert(u"DBUS_SESSION_BUS_ADDRESS"_s,
                       u"unix:path="_s + folder.filePath(u"no-such-bus"_s));
    environment.insert(u"HOME"_s, folder.filePath(u"home"_s));
    environment.insert(u"XDG_CONFIG_HOME"_s, folder.filePath(u"config"_s));
    environment.insert(u"XDG_DATA_HOME"_s, folder.filePath(u"data"_s));
    environment.remove(u"DISPLAY"_s); // no X11 autolaunch of a bus either
    environment.remove(u"WAYLAND_DISPLAY"_s);
    QProcess child;
    child.setProcessEnvironment(environment);
    child.setProcessChannelMode(QProcess::MergedChannels);
    child.start(QCoreApplication::applicationFilePath(), {u"withoutKeychain"_s});
    QVERIFY(child.waitForFinished(30'000));
    const QString output = QString::fromUtf8(child.readAll());
    QCOMPARE(child.exitStatus(), QProcess::NormalExit);
    QVERIFY2(child.exitCode() == 0, qPrintable(output));
    QVERIFY2(output.contains(u"PASS   : TestSecretStore::withoutKeychain()"_s), qPrintable(output));

    // No plain-text fallback: the secret was written to no file (QtKeychain's would go to the
    // settings under XDG_CONFIG_HOME).
    QDirIterator files(folder.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (files.hasNext()) {
        QFile file(files.next());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY2(!file.readAll().contains(secretValue.toUtf8()), qPrintable(file.fileName()));
    }
}

QTEST_GUILESS_MAIN(TestSecretStore)

#include "tst_secretstore.moc"
