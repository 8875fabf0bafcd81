#include "ui/panels/serving/servingcontrols.h"

#include "core/serving/scoringserver.h"
#include "core/workspace/secretstore.h"
#include "ui/panels/errorpalette.h"
#include "ui/panels/serving/servingpanellog.h"
#include "ui/panels/serving/tokendialog.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStackedWidget>
#include <QThread>
#include <QVBoxLayout>

#include <algorithm>

namespace millrace::ui {

namespace {

enum TargetKind { StageTarget, AliasTarget, VersionTarget };

const QString kAddressKey = QStringLiteral("servingPanel/address");
const QString kPortKey = QStringLiteral("servingPanel/port");
const QString kWorkersKey = QStringLiteral("servingPanel/workers");
constexpr int kDefaultPort = 5001;

// The address typed, or a null address when it is not one ("localhost" is loopback).
QHostAddress parseAddress(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty() || trimmed.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return QHostAddress(QHostAddress::LocalHost);
    return QHostAddress(trimmed);
}

QString versionLabel(const ServableVersion &version)
{
    QString label = QStringLiteral("v%1").arg(version.version);
    if (version.stage != registry::Stage::None)
        label += QStringLiteral(" · ") + registry::toString(version.stage);
    for (const QString &alias : version.aliases)
        label += QStringLiteral(" · @") + alias;
    return label;
}

QLabel *note()
{
    auto *label = new QLabel;
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

} // namespace

ServingControls::ServingControls(QWidget *parent) : QGroupBox(tr("Serve"), parent)
{
    setObjectName(QStringLiteral("servingControls"));

    m_model = new QComboBox;
    m_model->setObjectName(QStringLiteral("servingModel"));
    m_model->setPlaceholderText(tr("No registered model"));
    m_model->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_model->setMinimumContentsLength(12);
    connect(m_model, &QComboBox::currentIndexChanged, this, [this] {
        fillTargets();
        Q_EMIT modelChanged();
    });

    m_targetKind = new QComboBox;
    m_targetKind->setObjectName(QStringLiteral("targetKind"));
    m_targetKind->addItem(tr("Stage"), StageTarget);
    m_targetKind->addItem(tr("Alias"), AliasTarget);
    m_targetKind->addItem(tr("Version"), VersionTarget);
    m_targetKind->setToolTip(tr("A stage or alias is followed: when it moves to another version, "
                                "the server swaps to it without stopping"));
    m_stage = new QComboBox;
    m_stage->setObjectName(QStringLiteral("targetStage"));
    for (registry::Stage stage : {registry::Stage::Production, registry::Stage::Staging})
        m_stage->addItem(registry::toString(stage));
    m_alias = new QComboBox;
    m_alias->setObjectName(QStringLiteral("targetAlias"));
    m_alias->setPlaceholderText(tr("No alias"));
    m_version = new QComboBox;
    m_version->setObjectName(QStringLiteral("targetVersion"));
    m_version->setPlaceholderText(tr("No version"));
    m_targetValue = new QStackedWidget;
    m_targetValue->addWidget(m_stage);
    m_targetValue->addWidget(m_alias);
    m_targetValue->addWidget(m_version);
    m_targetValue->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    connect(m_targetKind, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_targetValue->setCurrentIndex(index);
        updateResolution();
    });
    for (QComboBox *combo : {m_stage, m_alias, m_version})
        connect(combo, &QComboBox::currentIndexChanged, this, &ServingControls::updateResolution);
    auto *targetRow = new QHBoxLayout;
    targetRow->setContentsMargins(0, 0, 0, 0);
    targetRow->setSpacing(6);
    targetRow->addWidget(m_targetKind);
    targetRow->addWidget(m_targetValue, 1);
    m_resolution = note();
    m_resolution->setObjectName(QStringLiteral("targetResolution"));

    const QSettings settings;
    m_address = new QLineEdit(settings.value(kAddressKey, QStringLiteral("127.0.0.1")).toString());
    m_address->setObjectName(QStringLiteral("servingAddress"));
    m_address->setPlaceholderText(QStringLiteral("127.0.0.1"));
    m_address->setToolTip(tr("The IP address to listen on: 127.0.0.1 for this machine only, "
                             "0.0.0.0 for every network interface"));
    connect(m_address, &QLineEdit::textChanged, this, &ServingControls::updateRemoteWarning);
    m_port = new QSpinBox;
    m_port->setObjectName(QStringLiteral("servingPort"));
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("any free"));
    m_port->setValue(settings.value(kPortKey, kDefaultPort).toInt());
    m_port->setToolTip(tr("0 picks a free port"));
    m_workers = new QSpinBox;
    m_workers->setObjectName(QStringLiteral("servingWorkers"));
    m_workers->setRange(1, 64);
    m_workers->setValue(
        settings.value(kWorkersKey, std::clamp(QThread::idealThreadCount(), 1, 64)).toInt());
    m_workers->setToolTip(tr("Inference threads, each with its own copy of the network"));
    auto *portRow = new QHBoxLayout;
    portRow->setContentsMargins(0, 0, 0, 0);
    portRow->setSpacing(6);
    portRow->addWidget(m_port, 1);
    portRow->addSpacing(6);
    portRow->addWidget(new QLabel(tr("Workers")));
    portRow->addWidget(m_workers);

    m_tokenState = new QLabel;
    m_tokenState->setObjectName(QStringLiteral("tokenState"));
    m_tokenState->setWordWrap(true);
    m_tokenButton = new QPushButton(tr("Token"));
    m_tokenButton->setObjectName(QStringLiteral("servingToken"));
    m_tokenButton->setToolTip(tr("Set or remove the serving token in the keychain"));
    auto *tokenMenu = new QMenu(m_tokenButton);
    QAction *setAction = tokenMenu->addAction(tr("Set Token…"), this, &ServingControls::setToken);
    setAction->setObjectName(QStringLiteral("setTokenAction"));
    QAction *removeAction =
        tokenMenu->addAction(tr("Remove Token"), this, &ServingControls::removeToken);
    removeAction->setObjectName(QStringLiteral("removeTokenAction"));
    m_tokenButton->setMenu(tokenMenu);
    auto *tokenRow = new QHBoxLayout;
    tokenRow->setContentsMargins(0, 0, 0, 0);
    tokenRow->setSpacing(6);
    tokenRow->addWidget(m_tokenState, 1);
    tokenRow->addWidget(m_tokenButton, 0, Qt::AlignTop);

    auto *form = new QFormLayout;
    form->setContentsMargins(0, 0, 0, 0);
    form->setHorizontalSpacing(10);
    form->setVerticalSpacing(6);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Model"), m_model);
    form->addRow(tr("Target"), targetRow);
    form->addRow(QString(), m_resolution);
    form->addRow(tr("Address"), m_address);
    form->addRow(tr("Port"), portRow);
    form->addRow(tr("Token"), tokenRow);

    m_remoteWarning = new QLabel;
    m_remoteWarning->setObjectName(QStringLiteral("remoteWarning"));
    m_remoteWarning->setWordWrap(true);
    m_remoteWarning->setAutoFillBackground(true);
    m_remoteWarning->setPalette(errorPalette(palette()));
    m_remoteWarning->setMargin(6);
    m_remoteWarning->hide();

    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("serveFormError"));
    m_error->setWordWrap(true);
    m_error->setPalette(errorPalette(palette()));
    m_error->hide();

    m_start = new QPushButton(tr("Start"));
    m_start->setObjectName(QStringLiteral("startServing"));
    m_start->setDefault(true);
    m_start->setIcon(QIcon::fromTheme(QStringLiteral("media-playback-start")));
    connect(m_start, &QPushButton::clicked, this, [this] {
        QString problem;
        if (!config(&problem)) {
            m_error->setText(problem);
            m_error->show();
            return;
        }
        m_error->hide();
        saveSettings();
        Q_EMIT startRequested();
    });
    m_stop = new QPushButton(tr("Stop"));
    m_stop->setObjectName(QStringLiteral("stopServing"));
    m_stop->setIcon(QIcon::fromTheme(QStringLiteral("media-playback-stop")));
    connect(m_stop, &QPushButton::clicked, this, &ServingControls::stopRequested);
    auto *buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 4, 0, 0);
    buttons->addWidget(m_start, 1);
    buttons->addWidget(m_stop, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 8, 10, 10);
    layout->setSpacing(8);
    layout->addLayout(form);
    layout->addWidget(m_remoteWarning);
    layout->addWidget(m_error);
    layout->addLayout(buttons);

    fillTargets();
    updateTokenLabel();
    updateRemoteWarning();
    setState(ServingController::State::Stopped);
}

void ServingControls::setModels(const QList<ServableModel> &models)
{
    const QString chosen = m_model->currentText();
    const int kind = m_targetKind->currentIndex();
    const QString alias = m_alias->currentData().toString();
    const qint64 version = m_version->currentData().toLongLong();
    m_models = models;
    {
        const QSignalBlocker quiet(m_model);
        m_model->clear();
        for (const ServableModel &model : models) {
            m_model->addItem(model.name);
            m_model->setItemData(m_model->count() - 1, model.description, Qt::ToolTipRole);
        }
        const int index = m_model->findText(chosen);
        m_model->setCurrentIndex(index >= 0 ? index : (models.isEmpty() ? -1 : 0));
    }
    fillTargets();
    m_targetKind->setCurrentIndex(kind);
    if (const int index = m_alias->findData(alias); index >= 0)
        m_alias->setCurrentIndex(index);
    if (const int index = m_version->findData(version); index >= 0)
        m_version->setCurrentIndex(index);
    setState(m_state);
    if (m_model->currentText() != chosen)
        Q_EMIT modelChanged();
}

void ServingControls::setLoadError(const QString &message)
{
    m_error->setText(message.isEmpty() ? QString()
                                       : tr("Cannot read the registered models: %1").arg(message));
    m_error->setVisible(!message.isEmpty());
}

const ServableModel *ServingControls::currentModel() const
{
    const int index = m_model->currentIndex();
    return index >= 0 && index < m_models.size() ? &m_models.at(index) : nullptr;
}

void ServingControls::fillTargets()
{
    const ServableModel *model = currentModel();
    const QSignalBlocker quietAlias(m_alias);
    const QSignalBlocker quietVersion(m_version);
    m_alias->clear();
    m_version->clear();
    if (model) {
        for (const registry::ModelAlias &alias : model->aliases)
            m_alias->addItem(QStringLiteral("@%1 → v%2").arg(alias.alias).arg(alias.version),
                             alias.alias);
        for (const ServableVersion &version : model->versions) {
            if (version.ready)
                m_version->addItem(versionLabel(version), version.version);
        }
    }
    updateResolution();
}

void ServingControls::updateResolution()
{
    const ServableModel *model = currentModel();
    if (!model) {
        m_resolution->setText(tr("Register a model to serve it (Experiments panel, Register "
                                 "Model…)."));
        return;
    }
    switch (m_targetKind->currentData().toInt()) {
    case StageTarget: {
        const QString stage = m_stage->currentText();
        const auto found = std::find_if(model->versions.begin(), model->versions.end(),
                                        [&](const ServableVersion &version) {
                                            return registry::toString(version.stage) == stage;
                                        });
        m_resolution->setText(
            found == model->versions.end()
                ? tr("No version in %1 yet: the server waits for one.").arg(stage)
                : tr("%1 is v%2 now; followed when it moves.").arg(stage).arg(found->version));
        break;
    }
    case AliasTarget:
        m_resolution->setText(
            m_alias->count() == 0
                ? tr("%1 has no alias (set one in the Registry panel).").arg(model->name)
                : tr("Followed when the alias moves."));
        break;
    default:
        m_resolution->setText(m_version->count() == 0
                                  ? tr("%1 has no version ready to serve.").arg(model->name)
                                  : tr("Served until stopped."));
        break;
    }
}

void ServingControls::updateRemoteWarning()
{
    // While serving, the status above the charts says how it is exposed.
    const bool idle =
        m_state == ServingController::State::Stopped || m_state == ServingController::State::Failed;
    const QHostAddress address = parseAddress(m_address->text());
    if (!idle || address.isNull() || address.isLoopback()) {
        m_remoteWarning->hide();
        return;
    }
    m_remoteWarning->setText(
        m_tokenStored.value_or(false)
            ? tr("Other machines can reach %1; requests need the serving token.")
                  .arg(address.toString())
            : tr("Other machines can reach %1. Without a serving token anyone who reaches this "
                 "machine can use the model: Start asks you to confirm.")
                  .arg(address.toString()));
    m_remoteWarning->show();
}

void ServingControls::setTokenStored(std::optional<bool> stored)
{
    m_tokenStored = stored;
    m_tokenNote.clear();
    updateTokenLabel();
    updateRemoteWarning();
}

void ServingControls::updateTokenLabel()
{
    QString text;
    if (!m_tokenNote.isEmpty())
        text = m_tokenNote;
    else if (!m_tokenStored)
        text = tr("Read from the keychain at start");
    else if (*m_tokenStored)
        text = tr("Set: requests need it");
    else
        text = tr("None: no token needed");
    m_tokenState->setText(text);
}

void ServingControls::setToken()
{
    auto *dialog = new TokenDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        m_tokenNote = tr("Storing…");
        updateTokenLabel();
        // The token goes straight to the keychain; nothing here keeps or logs it.
        writeSecretAsync(
            serving::servingTokenKey(), dialog->token(), this, [this](Result<void> written) {
                if (!written) {
                    qCWarning(lcServingPanel).noquote()
                        << "storing the serving token failed:" << written.errorMessage();
                    m_tokenNote = tr("Not stored: %1").arg(written.errorMessage());
                    updateTokenLabel();
                    return;
                }
                setTokenStored(true);
                Q_EMIT tokenChanged(true);
            });
    });
    dialog->open();
}

void ServingControls::removeToken()
{
    m_tokenNote = tr("Removing…");
    updateTokenLabel();
    deleteSecretAsync(serving::servingTokenKey(), this, [this](Result<void> deleted) {
        if (!deleted) {
            m_tokenNote = tr("Not removed: %1").arg(deleted.errorMessage());
            updateTokenLabel();
            return;
        }
        setTokenStored(false);
        Q_EMIT tokenChanged(false);
    });
}

void ServingControls::setState(ServingController::State state)
{
    m_state = state;
    using State = ServingController::State;
    const bool idle = state == State::Stopped || state == State::Failed;
    const bool running =
        state == State::Starting || state == State::Waiting || state == State::Serving;
    for (QWidget *field : std::initializer_list<QWidget *>{m_model, m_targetKind, m_targetValue,
                                                           m_address, m_port, m_workers})
        field->setEnabled(idle);
    m_start->setEnabled(idle && currentModel() != nullptr);
    m_stop->setEnabled(running);
    updateRemoteWarning();
}

std::optional<serving::ServingConfig> ServingControls::config(QString *problem) const
{
    const ServableModel *model = currentModel();
    if (!model) {
        *problem = tr("Choose a registered model to serve.");
        return std::nullopt;
    }
    serving::ServingConfig config;
    config.primary.model = model->name;
    switch (m_targetKind->currentData().toInt()) {
    case StageTarget:
        config.primary.stage = m_stage->currentText();
        break;
    case AliasTarget:
        if (m_alias->currentIndex() < 0) {
            *problem = tr("%1 has no alias to follow.").arg(model->name);
            return std::nullopt;
        }
        config.primary.alias = m_alias->currentData().toString();
        break;
    default:
        if (m_version->currentIndex() < 0) {
            *problem = tr("%1 has no version ready to serve.").arg(model->name);
            return std::nullopt;
        }
        config.primary.version = m_version->currentData().toLongLong();
        break;
    }
    config.server.address = parseAddress(m_address->text());
    if (config.server.address.isNull()) {
        *problem = tr("\"%1\" is not an IP address (e.g. 127.0.0.1 or 0.0.0.0).")
                       .arg(m_address->text().trimmed());
        return std::nullopt;
    }
    config.server.port = quint16(m_port->value());
    config.server.workers = m_workers->value();
    return config;
}

void ServingControls::saveSettings() const
{
    QSettings settings;
    settings.setValue(kAddressKey, m_address->text().trimmed());
    settings.setValue(kPortKey, m_port->value());
    settings.setValue(kWorkersKey, m_workers->value());
}

} // namespace millrace::ui
