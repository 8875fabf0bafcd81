#include "ui/panels/streams/profilesdialog.h"

#include "core/base/job.h"
#include "core/streams/endpoint.h"
#include "core/streams/profilestore.h"
#include "ui/panels/errorpalette.h"
#include "ui/panels/streams/streamsoperations.h"
#include "ui/panels/streams/streamspanellog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace millrace::ui {

namespace {

struct LoadOutcome
{
    std::vector<streams::ConnectionProfile> profiles;
    QString select;
    QString error;
};

struct SaveOutcome
{
    streams::ConnectionProfile profile;
    /// Saving the password failed (the profile itself was saved).
    QString secretError;
    QString error;
};

QString failureName(streams::ConnectionCheck::Failure failure)
{
    using Failure = streams::ConnectionCheck::Failure;
    switch (failure) {
    case Failure::None:
        return QString();
    case Failure::Unreachable:
        return ProfilesDialog::tr("Unreachable");
    case Failure::Authentication:
        return ProfilesDialog::tr("Authentication failed");
    case Failure::Tls:
        return ProfilesDialog::tr("TLS failed");
    case Failure::Other:
        break;
    }
    return ProfilesDialog::tr("Failed");
}

} // namespace

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::LoadOutcome)
Q_DECLARE_METATYPE(millrace::ui::SaveOutcome)

namespace millrace::ui {

ProfilesDialog::ProfilesDialog(streams::ProfileStore &profiles, SecretAccess secrets,
                               QThreadPool *pool, QWidget *parent)
    : QDialog(parent), m_store(profiles), m_secrets(std::move(secrets)), m_pool(pool)
{
    setObjectName(QStringLiteral("profilesDialog"));
    setWindowTitle(tr("Connection Profiles"));

    m_list = new QListWidget;
    m_list->setObjectName(QStringLiteral("profileList"));
    m_add = new QPushButton(tr("Add"));
    m_add->setObjectName(QStringLiteral("addProfileButton"));
    m_remove = new QPushButton(tr("Remove…"));
    m_remove->setObjectName(QStringLiteral("removeProfileButton"));
    auto *listButtons = new QHBoxLayout;
    listButtons->addWidget(m_add);
    listButtons->addWidget(m_remove);
    listButtons->addStretch(1);
    auto *left = new QWidget;
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_list, 1);
    leftLayout->addLayout(listButtons);

    auto *split = new QSplitter(Qt::Horizontal);
    split->setChildrenCollapsible(false);
    split->addWidget(left);
    split->addWidget(createForm());
    split->setStretchFactor(1, 1);
    split->setSizes({180, 480});

    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("profileMessage"));
    m_message->setWordWrap(true);
    m_message->setAutoFillBackground(true);
    m_message->setContentsMargins(8, 4, 8, 4);
    m_message->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_save = buttons->addButton(tr("Save"), QDialogButtonBox::ApplyRole);
    m_save->setObjectName(QStringLiteral("saveProfileButton"));
    m_save->setDefault(true);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(split, 1);
    layout->addWidget(m_message);
    layout->addWidget(buttons);

    connect(m_list, &QListWidget::currentRowChanged, this, &ProfilesDialog::showProfile);
    connect(m_add, &QPushButton::clicked, this, &ProfilesDialog::addProfile);
    connect(m_remove, &QPushButton::clicked, this, &ProfilesDialog::removeProfile);
    connect(m_save, &QPushButton::clicked, this, &ProfilesDialog::saveProfile);
    connect(m_test, &QPushButton::clicked, this, &ProfilesDialog::testConnection);

    resize(760, 560);
    showProfile(-1);
    load(QString());
}

ProfilesDialog::~ProfilesDialog() = default;

QWidget *ProfilesDialog::createForm()
{
    m_name = new QLineEdit;
    m_name->setObjectName(QStringLiteral("profileName"));
    m_name->setPlaceholderText(tr("e.g. production"));
    m_bootstrap = new QLineEdit;
    m_bootstrap->setObjectName(QStringLiteral("bootstrapServers"));
    m_bootstrap->setPlaceholderText(tr("host:9092,host2:9092"));
    m_protocol = new QComboBox;
    m_protocol->setObjectName(QStringLiteral("securityProtocol"));
    for (auto protocol :
         {streams::SecurityProtocol::Plaintext, streams::SecurityProtocol::SaslPlaintext,
          streams::SecurityProtocol::Ssl, streams::SecurityProtocol::SaslSsl}) {
        m_protocol->addItem(streams::securityProtocolName(protocol), int(protocol));
    }
    m_mechanism = new QComboBox;
    m_mechanism->setObjectName(QStringLiteral("saslMechanism"));
    for (auto mechanism : {streams::SaslMechanism::Plain, streams::SaslMechanism::ScramSha256,
                           streams::SaslMechanism::ScramSha512}) {
        m_mechanism->addItem(streams::saslMechanismName(mechanism), int(mechanism));
    }
    m_user = new QLineEdit;
    m_user->setObjectName(QStringLiteral("saslUser"));
    m_password = new QLineEdit;
    m_password->setObjectName(QStringLiteral("password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setToolTip(tr("The SASL password (or the TLS key's password). It is kept in the "
                              "system keychain only, never in the workspace."));
    m_ca = new QLineEdit;
    m_ca->setObjectName(QStringLiteral("caLocation"));
    m_ca->setPlaceholderText(tr("the system's CA certificates"));
    m_certificate = new QLineEdit;
    m_certificate->setObjectName(QStringLiteral("certificateLocation"));
    m_key = new QLineEdit;
    m_key->setObjectName(QStringLiteral("keyLocation"));
    m_clientId = new QLineEdit;
    m_clientId->setObjectName(QStringLiteral("clientId"));

    m_properties = new QTableWidget(0, 2);
    m_properties->setObjectName(QStringLiteral("extraProperties"));
    m_properties->setHorizontalHeaderLabels({tr("Property"), tr("Value")});
    m_properties->horizontalHeader()->setStretchLastSection(true);
    m_properties->verticalHeader()->hide();
    m_properties->setMinimumHeight(90);
    m_properties->setToolTip(tr("Further librdkafka properties, applied last (no secrets here)"));
    auto *addProperty = new QToolButton;
    addProperty->setText(QStringLiteral("+"));
    addProperty->setToolTip(tr("Add a property"));
    auto *removeProperty = new QToolButton;
    removeProperty->setText(QStringLiteral("−"));
    removeProperty->setToolTip(tr("Remove the selected property"));
    connect(addProperty, &QToolButton::clicked, this, [this] {
        addPropertyRow(QString(), QString());
        m_properties->editItem(m_properties->item(m_properties->rowCount() - 1, 0));
    });
    connect(removeProperty, &QToolButton::clicked, this, [this] {
        if (m_properties->currentRow() >= 0)
            m_properties->removeRow(m_properties->currentRow());
    });
    auto *propertyButtons = new QVBoxLayout;
    propertyButtons->addWidget(addProperty);
    propertyButtons->addWidget(removeProperty);
    propertyButtons->addStretch(1);
    auto *propertyRow = new QHBoxLayout;
    propertyRow->addWidget(m_properties, 1);
    propertyRow->addLayout(propertyButtons);

    m_test = new QPushButton(tr("Test connection"));
    m_test->setObjectName(QStringLiteral("testConnectionButton"));
    m_test->setToolTip(tr("Connect with these settings and ask for the brokers"));
    m_testResult = new QLabel;
    m_testResult->setObjectName(QStringLiteral("testResult"));
    m_testResult->setWordWrap(true);
    m_testResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *testRow = new QHBoxLayout;
    testRow->addWidget(m_test, 0, Qt::AlignTop);
    testRow->addWidget(m_testResult, 1);

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Bootstrap servers"), m_bootstrap);
    form->addRow(tr("Security protocol"), m_protocol);
    form->addRow(tr("SASL mechanism"), m_mechanism);
    form->addRow(tr("User"), m_user);
    form->addRow(tr("Password"), m_password);
    form->addRow(tr("CA certificates"),
                 fileField(m_ca, tr("CA Certificates"), tr("PEM files (*.pem *.crt);;All (*)")));
    form->addRow(tr("Client certificate"), fileField(m_certificate, tr("Client Certificate"),
                                                     tr("PEM files (*.pem *.crt);;All (*)")));
    form->addRow(tr("Client key"),
                 fileField(m_key, tr("Client Key"), tr("PEM files (*.pem *.key);;All (*)")));
    form->addRow(tr("Client id"), m_clientId);
    form->addRow(tr("Extra properties"), propertyRow);
    form->addRow(QString(), testRow);

    connect(m_protocol, &QComboBox::currentIndexChanged, this, &ProfilesDialog::updateFields);
    connect(m_password, &QLineEdit::textEdited, this, &ProfilesDialog::updateFields);

    auto *box = new QWidget;
    box->setLayout(form);
    return box;
}

QWidget *ProfilesDialog::fileField(QLineEdit *edit, const QString &title, const QString &filter)
{
    auto *browse = new QToolButton;
    browse->setText(QStringLiteral("…"));
    browse->setObjectName(edit->objectName() + QStringLiteral("Browse"));
    browse->setToolTip(tr("Choose a file"));
    connect(browse, &QToolButton::clicked, this, [this, edit, title, filter] {
        // Non-blocking, so the dialog's jobs keep reporting while the file dialog is up.
        auto *chooser = new QFileDialog(this, title, edit->text(), filter);
        chooser->setAttribute(Qt::WA_DeleteOnClose);
        chooser->setFileMode(QFileDialog::ExistingFile);
        connect(chooser, &QFileDialog::fileSelected, edit, &QLineEdit::setText);
        chooser->open();
    });
    auto *row = new QWidget;
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    return row;
}

bool ProfilesDialog::isBusy() const
{
    return m_job || m_testJob;
}

void ProfilesDialog::load(const QString &select)
{
    delete m_job.data();
    streams::ProfileStore *store = &m_store;
    Job *job = Job::start(
        QStringLiteral("list connection profiles"),
        [store, select](JobContext &) -> QVariant {
            Result<std::vector<streams::ConnectionProfile>> listed = store->list();
            if (!listed)
                return QVariant::fromValue(LoadOutcome{{}, select, listed.errorMessage()});
            return QVariant::fromValue(LoadOutcome{std::move(listed.value()), select, QString()});
        },
        this, m_pool);
    m_job = job;
    updateButtons();
    connect(job, &Job::succeeded, this, [this](const QVariant &value) {
        const auto outcome = value.value<LoadOutcome>();
        if (!outcome.error.isEmpty()) {
            setMessage(tr("Could not read the profiles: %1").arg(outcome.error), true);
            return;
        }
        m_saved = outcome.profiles;
        const QSignalBlocker blocker(m_list);
        m_list->clear();
        int row = -1;
        for (const streams::ConnectionProfile &profile : m_saved) {
            auto *item = new QListWidgetItem(profile.name, m_list);
            item->setToolTip(profile.bootstrapServers);
            if (profile.id == outcome.select)
                row = m_list->count() - 1;
        }
        if (row < 0 && !m_saved.empty())
            row = 0;
        m_list->setCurrentRow(row);
        showProfile(row);
    });
    connect(job, &Job::failed, this, [this](const QString &message) {
        setMessage(tr("Could not read the profiles: %1").arg(message), true);
    });
    connect(job, &Job::finished, this, [this, job] {
        if (m_job == job)
            m_job = nullptr;
        job->deleteLater();
        updateButtons();
    });
}

void ProfilesDialog::showProfile(int row)
{
    m_current = row >= 0 && row < int(m_saved.size()) ? m_saved[std::size_t(row)]
                                                      : streams::ConnectionProfile();
    const streams::ConnectionProfile &profile = m_current;
    m_name->setText(profile.name);
    m_bootstrap->setText(profile.bootstrapServers);
    m_protocol->setCurrentIndex(m_protocol->findData(int(profile.securityProtocol)));
    m_mechanism->setCurrentIndex(m_mechanism->findData(int(profile.saslMechanism)));
    m_user->setText(profile.username);
    m_password->clear();
    m_ca->setText(profile.caLocation);
    m_certificate->setText(profile.certificateLocation);
    m_key->setText(profile.keyLocation);
    m_clientId->setText(profile.clientId);
    m_properties->setRowCount(0);
    for (auto it = profile.extraProperties.cbegin(); it != profile.extraProperties.cend(); ++it)
        addPropertyRow(it.key(), it.value());
    m_testResult->clear();
    updateFields();
    updateButtons();
}

void ProfilesDialog::addPropertyRow(const QString &name, const QString &value)
{
    const int row = m_properties->rowCount();
    m_properties->insertRow(row);
    m_properties->setItem(row, 0, new QTableWidgetItem(name));
    m_properties->setItem(row, 1, new QTableWidgetItem(value));
}

streams::ConnectionProfile ProfilesDialog::profileFromForm() const
{
    streams::ConnectionProfile profile = m_current;
    profile.name = m_name->text().trimmed();
    profile.bootstrapServers = m_bootstrap->text().trimmed();
    profile.securityProtocol = streams::SecurityProtocol(m_protocol->currentData().toInt());
    profile.saslMechanism = streams::SaslMechanism(m_mechanism->currentData().toInt());
    profile.username = profile.usesSasl() ? m_user->text().trimmed() : QString();
    profile.caLocation = m_ca->text().trimmed();
    profile.certificateLocation = m_certificate->text().trimmed();
    profile.keyLocation = m_key->text().trimmed();
    profile.clientId = m_clientId->text().trimmed();
    profile.extraProperties.clear();
    for (int row = 0; row < m_properties->rowCount(); ++row) {
        const QTableWidgetItem *name = m_properties->item(row, 0);
        const QTableWidgetItem *value = m_properties->item(row, 1);
        if (name && !name->text().trimmed().isEmpty())
            profile.extraProperties.insert(name->text().trimmed(),
                                           value ? value->text().trimmed() : QString());
    }
    return profile;
}

void ProfilesDialog::updateFields()
{
    const auto protocol = streams::SecurityProtocol(m_protocol->currentData().toInt());
    const bool sasl = protocol == streams::SecurityProtocol::SaslPlaintext
                      || protocol == streams::SecurityProtocol::SaslSsl;
    const bool tls = protocol == streams::SecurityProtocol::Ssl
                     || protocol == streams::SecurityProtocol::SaslSsl;
    m_mechanism->setEnabled(sasl);
    m_user->setEnabled(sasl);
    m_ca->setEnabled(tls);
    m_certificate->setEnabled(tls);
    m_key->setEnabled(tls);
    if (!m_current.id.isEmpty() && m_password->text().isEmpty())
        m_password->setPlaceholderText(tr("kept in the keychain; type to replace"));
    else
        m_password->setPlaceholderText(sasl ? tr("stored in the system keychain")
                                            : tr("the TLS key's password, if it has one"));
}

void ProfilesDialog::updateButtons()
{
    const bool busy = m_job != nullptr;
    m_save->setEnabled(!busy);
    m_add->setEnabled(!busy);
    m_remove->setEnabled(!busy && !m_current.id.isEmpty());
    m_test->setEnabled(!m_testJob);
}

void ProfilesDialog::setMessage(const QString &text, bool error)
{
    m_message->setPalette(error ? errorPalette(palette()) : palette());
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

void ProfilesDialog::addProfile()
{
    const QSignalBlocker blocker(m_list);
    m_list->clearSelection();
    m_list->setCurrentRow(-1);
    showProfile(-1);
    m_name->setFocus();
    setMessage(QString(), false);
}

void ProfilesDialog::saveProfile()
{
    const streams::ConnectionProfile profile = profileFromForm();
    if (Result<void> valid = streams::validateProfile(profile); !valid) {
        setMessage(valid.errorMessage(), true);
        return;
    }
    const QString password = m_password->text();
    if (!password.isEmpty() && !m_secrets.write) {
        setMessage(tr("There is no keychain to keep the password in: the profile was not saved."),
                   true);
        return;
    }
    delete m_job.data();
    streams::ProfileStore *store = &m_store;
    const auto write = m_secrets.write;
    Job *job = Job::start(
        QStringLiteral("save connection profile"),
        [store, profile, password, write](JobContext &) -> QVariant {
            Result<streams::ConnectionProfile> saved = store->save(profile);
            if (!saved)
                return QVariant::fromValue(SaveOutcome{profile, QString(), saved.errorMessage()});
            SaveOutcome outcome{saved.value(), QString(), QString()};
            if (!password.isEmpty()) {
                if (Result<void> kept = write(saved->secretKey(), password); !kept)
                    outcome.secretError = kept.errorMessage();
            }
            return QVariant::fromValue(outcome);
        },
        this, m_pool);
    m_job = job;
    updateButtons();
    setMessage(tr("Saving…"), false);
    connect(job, &Job::succeeded, this, [this](const QVariant &value) {
        const auto outcome = value.value<SaveOutcome>();
        if (!outcome.error.isEmpty()) {
            setMessage(outcome.error, true);
            return;
        }
        qCInfo(lcStreamsPanel).noquote() << "saved connection profile" << outcome.profile.name;
        if (outcome.secretError.isEmpty())
            setMessage(tr("Saved %1.").arg(outcome.profile.name), false);
        else
            setMessage(tr("Saved %1, but its password could not be put in the keychain: %2")
                           .arg(outcome.profile.name, outcome.secretError),
                       true);
        Q_EMIT profilesChanged(outcome.profile.id, false);
        const QString id = outcome.profile.id;
        // After this job's finished(), so the reload is not dropped as superseding it.
        QMetaObject::invokeMethod(
            this, [this, id] { load(id); }, Qt::QueuedConnection);
    });
    connect(job, &Job::failed, this, [this](const QString &message) { setMessage(message, true); });
    connect(job, &Job::finished, this, [this, job] {
        if (m_job == job)
            m_job = nullptr;
        job->deleteLater();
        updateButtons();
    });
}

void ProfilesDialog::removeProfile()
{
    if (m_current.id.isEmpty())
        return;
    const streams::ConnectionProfile profile = m_current;
    auto *confirm = new QMessageBox(
        QMessageBox::Question, tr("Remove Profile"),
        tr("Remove the profile %1 and its password from the keychain?").arg(profile.name),
        QMessageBox::Yes | QMessageBox::Cancel, this);
    confirm->setObjectName(QStringLiteral("removeProfileConfirmation"));
    confirm->setAttribute(Qt::WA_DeleteOnClose);
    connect(confirm, &QMessageBox::accepted, this, [this, profile] {
        delete m_job.data();
        streams::ProfileStore *store = &m_store;
        const auto remove = m_secrets.remove;
        Job *job = Job::start(
            QStringLiteral("remove connection profile"),
            [store, profile, remove](JobContext &) -> QVariant {
                if (Result<void> removed = store->remove(profile.id); !removed)
                    return QVariant(removed.errorMessage());
                // A profile without a password has no entry: that is no failure.
                if (remove)
                    (void)remove(profile.secretKey());
                return QVariant(QString());
            },
            this, m_pool);
        m_job = job;
        updateButtons();
        connect(job, &Job::succeeded, this, [this, profile](const QVariant &value) {
            if (!value.toString().isEmpty()) {
                setMessage(value.toString(), true);
                return;
            }
            setMessage(tr("Removed %1.").arg(profile.name), false);
            Q_EMIT profilesChanged(profile.id, true);
            QMetaObject::invokeMethod(
                this, [this] { load(QString()); }, Qt::QueuedConnection);
        });
        connect(job, &Job::failed, this,
                [this](const QString &message) { setMessage(message, true); });
        connect(job, &Job::finished, this, [this, job] {
            if (m_job == job)
                m_job = nullptr;
            job->deleteLater();
            updateButtons();
        });
    });
    confirm->open();
}

void ProfilesDialog::testConnection()
{
    const streams::ConnectionProfile profile = profileFromForm();
    if (Result<void> valid = streams::validateProfile(profile); !valid) {
        m_testResult->setText(tr("✖ %1").arg(valid.errorMessage().toHtmlEscaped()));
        return;
    }
    const QString typed = m_password->text();
    const auto read = m_secrets.read;
    delete m_testJob.data();
    Job *job = Job::start(
        QStringLiteral("test connection"),
        [profile, typed, read](JobContext &) -> QVariant {
            QString secret = typed;
            // Not retyped: the one saved in the keychain, as the service would use it.
            if (secret.isEmpty() && !profile.id.isEmpty() && read) {
                if (Result<QString> saved = read(profile.secretKey()))
                    secret = saved.value();
            }
            Result<streams::ClusterEndpoint> endpoint =
                streams::endpointForProfile(profile, secret);
            if (!endpoint) {
                streams::ConnectionCheck check;
                check.failure = streams::ConnectionCheck::Failure::Other;
                check.message = endpoint.errorMessage();
                return QVariant::fromValue(check);
            }
            return QVariant::fromValue(checkEndpoint(endpoint.value()));
        },
        // The global pool: a test waiting on a silent cluster must not hold up saving.
        this);
    m_testJob = job;
    m_testResult->setStyleSheet(QString());
    m_testResult->setText(tr("Connecting to %1…").arg(profile.bootstrapServers));
    updateButtons();
    connect(job, &Job::succeeded, this, [this](const QVariant &value) {
        const auto check = value.value<streams::ConnectionCheck>();
        const QPalette colours = check.ok() ? palette() : errorPalette(palette());
        if (check.ok()) {
            m_testResult->setStyleSheet(QStringLiteral("color: #2e9d4f;"));
            m_testResult->setText(
                check.brokerCount == 1
                    ? tr("✔ Connected: 1 broker answered in %1 ms").arg(check.elapsed.count())
                    : tr("✔ Connected: %1 brokers answered in %2 ms")
                          .arg(check.brokerCount)
                          .arg(check.elapsed.count()));
        } else {
            m_testResult->setStyleSheet(
                QStringLiteral("color: %1;").arg(colours.color(QPalette::WindowText).name()));
            m_testResult->setText(
                QStringLiteral("✖ %1: %2").arg(failureName(check.failure), check.message));
        }
    });
    connect(job, &Job::failed, this,
            [this](const QString &message) { m_testResult->setText(tr("✖ %1").arg(message)); });
    connect(job, &Job::finished, this, [this, job] {
        if (m_testJob == job)
            m_testJob = nullptr;
        job->deleteLater();
        updateButtons();
    });
}

} // namespace millrace::ui
