#include "core/workspace/secretstore.h"

#include "core/workspace/workspacelog.h"

#include <qt6keychain/keychain.h>

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusError>
#include <QDBusReply>
#include <QDeadlineTimer>
#include <QLibrary>
#include <QMutex>
#include <QObject>
#include <QThread>
#include <QWaitCondition>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

namespace millrace {

namespace {

enum class Operation { Read, Write, Delete };

// Runs on the keychain thread with the outcome of a request (for Write and Delete the value is an
// empty string).
using Reply = std::function<void(Result<QString>)>;

struct Request
{
    Operation operation;
    QString key;
    QString value;
    Reply reply;
};

// A blocking call gives up after this long. Long enough for a user to type the keychain's
// password into an unlock prompt; short enough that a keychain that never answers does not hang
// a worker for good.
constexpr std::chrono::minutes kBlockingTimeout{2};

const QString kNoKeychainPrefix = QStringLiteral("no system keychain available: ");
const QString kSecretServiceName = QStringLiteral("org.freedesktop.secrets");
const QStringList kKWalletNames = {QStringLiteral("org.kde.kwalletd6"),
                                   QStringLiteral("org.kde.kwalletd5")};

const char *verbOf(Operation operation)
{
    switch (operation) {
    case Operation::Read:
        return "read";
    case Operation::Write:
        return "store";
    case Operation::Delete:
        return "delete";
    }
    return "use";
}

// Carries an answer from the keychain thread to an async caller's context object. The
// connection from its signal to the context is what drops the answer when the context is gone:
// Qt removes connections and pending queued calls of a destroyed receiver under its own locks,
// which a QPointer checked on another thread could not do without a race.
class AnswerRelay : public QObject
{
    Q_OBJECT
Q_SIGNALS:
    void answered();
};

// All QtKeychain jobs run on one thread of their own. QtKeychain queues every job in a single
// process-wide executor object that is not thread-safe and that lives on the thread which first
// used it; and libsecret delivers its answers through the GLib main context of the thread that
// asked. Jobs started from several threads, or from a thread whose event loop then stops (a
// worker that spun a local loop once), would race on that queue or stall it for good. So one
// thread with a running event loop owns every job, and callers wait for or receive its answers.
// The thread starts on first use and stops when the QCoreApplication is destroyed. (QtKeychain's
// executor stays tied to that first thread, so this holds for one QCoreApplication per process,
// which is what Millrace and its tests have.)
QMutex s_keychainMutex;
QThread *s_keychainThread = nullptr;
QObject *s_keychainWorker = nullptr; // lives on s_keychainThread; the jobs' parent

void stopKeychainThread()
{
    QThread *thread = nullptr;
    {
        QMutexLocker locker(&s_keychainMutex);
        thread = std::exchange(s_keychainThread, nullptr);
        s_keychainWorker = nullptr;
    }
    if (!thread)
        return;
    thread->quit();
    thread->wait();
    delete thread;
}

// The object on the keychain thread that requests are queued to; null without a
// QCoreApplication.
QObject *keychainWorker()
{
    QMutexLocker locker(&s_keychainMutex);
    if (!s_keychainThread) {
        if (!QCoreApplication::instance())
            return nullptr;
        s_keychainThread = new QThread;
        s_keychainThread->setObjectName(QStringLiteral("millrace-keychain"));
        s_keychainWorker = new QObject;
        s_keychainWorker->moveToThread(s_keychainThread);
        QObject::connect(s_keychainThread, &QThread::finished, s_keychainWorker,
                         &QObject::deleteLater);
        s_keychainThread->start();
        qAddPostRoutine(stopKeychainThread);
    }
    return s_keychainWorker;
}

bool libsecretLoadable()
{
    // QtKeychain loads libsecret at run time and, without it, fails with "Unknown error".
    static const bool loadable = QLibrary(QStringLiteral("secret-1"), 0).load();
    return loadable;
}

// Why no keychain can answer, or nothing when one can. Asked before every job so that a missing
// keychain reads as such, not as whatever D-Bus or libsecret error the job would end with.
std::optional<QString> whyNoKeychain()
{
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected()) {
        const QString address = qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS");
        if (address.isEmpty())
            return QStringLiteral("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)");
        return QStringLiteral("cannot connect to the D-Bus session bus at %1: %2")
            .arg(address, bus.lastError().message());
    }
    QDBusConnectionInterface *daemon = bus.interface();
    QStringList providers = daemon->registeredServiceNames().value();
    const auto provides = [&providers](const QString &name) { return providers.contains(name); };
    if (!provides(kSecretServiceName)
        && !std::any_of(kKWalletNames.begin(), kKWalletNames.end(), provides)) {
        // Not running yet, but D-Bus starts it on the first call (gnome-keyring usually is).
        providers = daemon->activatableServiceNames().value();
    }
    const bool kwallet = std::any_of(kKWalletNames.begin(), kKWalletNames.end(), provides);
    if (!kwallet && !provides(kSecretServiceName))
        return QStringLiteral("nothing on the D-Bus session bus provides the Secret Service "
                              "(org.freedesktop.secrets) or KWallet; start gnome-keyring, "
                              "KeePassXC or KWallet");
    if (!kwallet && !libsecretLoadable())
        return QStringLiteral("libsecret (Debian package libsecret-1-0) is not installed, and "
                              "QtKeychain needs it to reach the Secret Service");
    return std::nullopt;
}

Result<QString> outcomeOf(const Request &request, QKeychain::Job *job)
{
    switch (job->error()) {
    case QKeychain::NoError:
        if (request.operation == Operation::Read)
            return static_cast<QKeychain::ReadPasswordJob *>(job)->textData();
        return QString();
    case QKeychain::EntryNotFound:
        if (request.operation == Operation::Delete)
            return QString(); // already gone is what the caller wants
        return fail(
            secreterror::kNotFound,
            QStringLiteral("no secret is stored under %1 in the system keychain").arg(request.key));
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return fail(secreterror::kAccessDenied,
                    QStringLiteral("the system keychain denied access to the secret %1: %2")
                        .arg(request.key, job->errorString()));
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        return fail(secreterror::kNoKeychain, kNoKeychainPrefix + job->errorString());
    case QKeychain::CouldNotDeleteEntry:
    case QKeychain::OtherError:
        break;
    }
    return fail(
        QStringLiteral("the system keychain could not %1 the secret %2: %3")
            .arg(QLatin1StringView(verbOf(request.operation)), request.key, job->errorString()));
}

void logOutcome(const Request &request, const Result<QString> &outcome)
{
    // Key names only: a secret's value never reaches a log.
    if (outcome)
        qCDebug(lcWorkspace).noquote() << "keychain:" << verbOf(request.operation) << request.key;
    else if (outcome.error().code == secreterror::kNotFound)
        qCDebug(lcWorkspace).noquote() << "keychain: no secret" << request.key;
    else
        qCWarning(lcWorkspace).noquote() << "keychain:" << verbOf(request.operation) << request.key
                                         << "failed:" << outcome.errorMessage();
}

// On the keychain thread.
void startJob(QObject *worker, Request request)
{
    if (QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance();
        dispatcher && !dispatcher->inherits("QEventDispatcherGlib")) {
        static bool warned = false; // only this thread reads it
        if (!std::exchange(warned, true))
            qCWarning(lcWorkspace) << "Qt runs without its GLib event loop (is QT_NO_GLIB set?);"
                                      " libsecret's answers may never arrive";
    }
    if (const std::optional<QString> reason = whyNoKeychain()) {
        Result<QString> outcome = fail(secreterror::kNoKeychain, kNoKeychainPrefix + *reason);
        logOutcome(request, outcome);
        request.reply(std::move(outcome));
        return;
    }

    QKeychain::Job *job = nullptr;
    switch (request.operation) {
    case Operation::Read:
        job = new QKeychain::ReadPasswordJob(kSecretService, worker);
        break;
    case Operation::Write: {
        auto *write = new QKeychain::WritePasswordJob(kSecretService, worker);
        // The value goes to the job alone; the request kept for the answer no longer holds it.
        write->setTextData(std::exchange(request.value, QString()));
        job = write;
        break;
    }
    case Operation::Delete:
        job = new QKeychain::DeletePasswordJob(kSecretService, worker);
        break;
    }
    // Never QtKeychain's fallback: it writes the secret in plain text into QSettings.
    job->setInsecureFallback(false);
    job->setAutoDelete(true);
    job->setKey(request.key);
    QObject::connect(job, &QKeychain::Job::finished, worker,
                     [request = std::move(request)](QKeychain::Job *finished) {
                         Result<QString> outcome = outcomeOf(request, finished);
                         logOutcome(request, outcome);
                         request.reply(std::move(outcome));
                     });
    job->start();
}

// Queues a request to the keychain thread; false without a QCoreApplication.
bool submit(Request request)
{
    QObject *worker = keychainWorker();
    if (!worker)
        return false;
    QMetaObject::invokeMethod(
        worker,
        [worker, request = std::move(request)]() mutable { startJob(worker, std::move(request)); },
        Qt::QueuedConnection);
    return true;
}

Error noApplication()
{
    return fail(QStringLiteral("the system keychain needs a QCoreApplication"));
}

Error noKey()
{
    return fail(QStringLiteral("a secret needs a key"));
}

Result<QString> runBlocking(Operation operation, const QString &key, QString value)
{
    if (key.isEmpty())
        return noKey();
    if (QCoreApplication *app = QCoreApplication::instance();
        app && QThread::currentThread() == app->thread() && app->inherits("QGuiApplication")) {
        qCWarning(lcWorkspace).noquote() << "keychain:" << verbOf(operation) << key
                                         << "blocks the GUI thread; use the asynchronous variant";
    }

    struct Waiter
    {
        QMutex mutex;
        QWaitCondition answered;
        std::optional<Result<QString>> outcome;
    };
    // Shared: after a timeout the keychain thread may still answer into it.
    auto waiter = std::make_shared<Waiter>();
    Reply reply = [waiter](Result<QString> outcome) {
        QMutexLocker locker(&waiter->mutex);
        waiter->outcome = std::move(outcome);
        waiter->answered.wakeAll();
    };
    if (!submit(Request{operation, key, std::move(value), std::move(reply)}))
        return noApplication();

    QMutexLocker locker(&waiter->mutex);
    const QDeadlineTimer deadline(kBlockingTimeout);
    while (!waiter->outcome) {
        if (!waiter->answered.wait(&waiter->mutex, deadline)) {
            qCWarning(lcWorkspace).noquote() << "keychain: no answer for" << key;
            return fail(QStringLiteral("the system keychain did not answer within %1 minutes "
                                       "(is it waiting to be unlocked?)")
                            .arg(kBlockingTimeout.count()));
        }
    }
    return std::move(*waiter->outcome);
}

void runAsync(Operation operation, const QString &key, QString value, QObject *context,
              std::function<void(Result<QString>)> done)
{
    if (!context) {
        qCWarning(lcWorkspace) << "keychain: an asynchronous call without a context object";
        return;
    }
    const auto answerNow = [&](Error error) {
        QMetaObject::invokeMethod(
            context, [done = std::move(done), error = std::move(error)] { done(error); },
            Qt::QueuedConnection);
    };
    if (key.isEmpty())
        return answerNow(noKey());
    QObject *worker = keychainWorker();
    if (!worker)
        return answerNow(noApplication());

    auto outcome = std::make_shared<std::optional<Result<QString>>>();
    auto *relay = new AnswerRelay;
    QObject::connect(
        relay, &AnswerRelay::answered, context,
        [outcome, done = std::move(done)] { done(std::move(**outcome)); }, Qt::QueuedConnection);
    relay->moveToThread(worker->thread());
    Reply reply = [outcome, relay](Result<QString> result) {
        *outcome = std::move(result);
        Q_EMIT relay->answered();
        delete relay;
    };
    submit(Request{operation, key, std::move(value), std::move(reply)});
}

Result<void> withoutValue(const Result<QString> &outcome)
{
    if (outcome)
        return {};
    return outcome.error();
}

std::function<void(Result<QString>)> droppingValue(std::function<void(Result<void>)> done)
{
    return [done = std::move(done)](Result<QString> outcome) { done(withoutValue(outcome)); };
}

} // namespace

Result<QString> readSecret(const QString &key)
{
    return runBlocking(Operation::Read, key, QString());
}

Result<void> writeSecret(const QString &key, const QString &value)
{
    return withoutValue(runBlocking(Operation::Write, key, value));
}

Result<void> deleteSecret(const QString &key)
{
    return withoutValue(runBlocking(Operation::Delete, key, QString()));
}

void readSecretAsync(const QString &key, QObject *context,
                     std::function<void(Result<QString>)> done)
{
    runAsync(Operation::Read, key, QString(), context, std::move(done));
}

void writeSecretAsync(const QString &key, const QString &value, QObject *context,
                      std::function<void(Result<void>)> done)
{
    runAsync(Operation::Write, key, value, context, droppingValue(std::move(done)));
}

void deleteSecretAsync(const QString &key, QObject *context, std::function<void(Result<void>)> done)
{
    runAsync(Operation::Delete, key, QString(), context, droppingValue(std::move(done)));
}

} // namespace millrace

#include "secretstore.moc"
