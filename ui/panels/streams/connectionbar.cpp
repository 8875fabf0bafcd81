#include "ui/panels/streams/connectionbar.h"

#include "core/streams/embeddedbroker.h"
#include "ui/panels/errorpalette.h"

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

namespace millrace::ui {

namespace {

// A pill: a tinted background lettered in a deep shade of `colour`, readable in light and dark
// palettes alike.
QString pillStyle(const QColor &colour, const QPalette &palette)
{
    const bool dark = palette.color(QPalette::Window).lightness() < 128;
    QColor fill = colour;
    fill.setAlpha(dark ? 90 : 45);
    const QColor text = dark ? colour.lighter(150) : colour.darker(160);
    return QStringLiteral("QLabel { background-color: rgba(%1, %2, %3, %4); color: %5; "
                          "border-radius: 8px; padding: 2px 8px; font-weight: 600; }")
        .arg(fill.red())
        .arg(fill.green())
        .arg(fill.blue())
        .arg(fill.alpha())
        .arg(text.name());
}

const QColor kGreen(0x2e, 0x9d, 0x4f);
const QColor kAmber(0xd9, 0x8a, 0x00);
const QColor kRed(0xd3, 0x2f, 0x2f);

} // namespace

ConnectionBar::ConnectionBar(QWidget *parent) : QWidget(parent)
{
    auto *label = new QLabel(tr("Cluster"));
    m_profiles = new QComboBox;
    m_profiles->setObjectName(QStringLiteral("profileChooser"));
    m_profiles->setMinimumContentsLength(24);
    m_profiles->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_profiles->setToolTip(tr("The Kafka cluster the panel shows: the embedded broker or a "
                              "saved connection profile"));
    label->setBuddy(m_profiles);
    m_profiles->addItem(streams::EmbeddedBroker::label(), QString());

    m_durability = new QLabel(tr("NOT DURABLE"));
    m_durability->setObjectName(QStringLiteral("durabilityBadge"));
    m_durability->setToolTip(tr("The embedded broker keeps messages in memory: they are gone "
                                "when Millrace quits. Add a profile for a real cluster to keep "
                                "them."));
    m_state = new QLabel;
    m_state->setObjectName(QStringLiteral("connectionState"));
    m_details = new QLabel;
    m_details->setObjectName(QStringLiteral("connectionDetails"));
    m_details->setForegroundRole(QPalette::PlaceholderText);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_manage = new QPushButton(tr("Manage Profiles…"));
    m_manage->setObjectName(QStringLiteral("manageProfilesButton"));
    m_manage->setToolTip(tr("Add, edit, test or remove connection profiles"));

    m_banner = new QLabel;
    m_banner->setObjectName(QStringLiteral("downBanner"));
    m_banner->setWordWrap(true);
    m_banner->setAutoFillBackground(true);
    m_banner->setContentsMargins(10, 6, 10, 6);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->hide();

    auto *row = new QHBoxLayout;
    row->setContentsMargins(8, 6, 8, 6);
    row->setSpacing(8);
    row->addWidget(label);
    row->addWidget(m_profiles);
    row->addWidget(m_durability);
    row->addSpacing(8);
    row->addWidget(m_state);
    row->addWidget(m_details, 1);
    row->addWidget(m_manage);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(row);
    layout->addWidget(m_banner);

    connect(m_profiles, &QComboBox::activated, this, [this](int index) {
        if (m_filling)
            return;
        const QString id = m_profiles->itemData(index).toString();
        setConnecting(m_profiles->itemText(index));
        Q_EMIT profileChosen(id);
    });
    connect(m_manage, &QPushButton::clicked, this, &ConnectionBar::manageProfilesRequested);
    updateColours();
    updateState();
}

void ConnectionBar::setProfiles(const std::vector<streams::ConnectionProfile> &profiles,
                                const QString &activeId)
{
    m_filling = true;
    while (m_profiles->count() > 1)
        m_profiles->removeItem(1);
    int current = 0;
    for (const streams::ConnectionProfile &profile : profiles) {
        m_profiles->addItem(profile.name, profile.id);
        m_profiles->setItemData(m_profiles->count() - 1,
                                QStringLiteral("%1\n%2 · %3")
                                    .arg(profile.name, profile.bootstrapServers,
                                         streams::securityProtocolName(profile.securityProtocol)),
                                Qt::ToolTipRole);
        if (profile.id == activeId)
            current = m_profiles->count() - 1;
    }
    m_profiles->setCurrentIndex(current);
    m_filling = false;
    updateState();
}

QString ConnectionBar::chosenProfileId() const
{
    return m_profiles->currentData().toString();
}

bool ConnectionBar::setSnapshot(const streams::StreamsSnapshot &snapshot)
{
    // Switching clusters: the old one's snapshots still in the queue say nothing of the new one.
    // (A profile that cannot even be resolved reports Down without a label.)
    if (m_connecting && !m_connectingTo.isEmpty() && !snapshot.label.isEmpty()
        && snapshot.label != m_connectingTo)
        return false;
    if (snapshot.state == streams::StreamsSnapshot::State::Down) {
        if (!m_downSince.isValid()
            || (m_haveSnapshot && m_snapshot.state != streams::StreamsSnapshot::State::Down))
            m_downSince = QDateTime::fromMSecsSinceEpoch(snapshot.takenAtMs);
    } else {
        m_downSince = QDateTime();
    }
    m_snapshot = snapshot;
    m_haveSnapshot = true;
    if (snapshot.state != streams::StreamsSnapshot::State::Connecting)
        m_connecting = false;
    updateState();
    return true;
}

void ConnectionBar::setConnecting(const QString &label)
{
    m_connecting = true;
    m_connectingTo = label;
    m_downSince = QDateTime();
    updateState();
}

void ConnectionBar::setUnavailable(const QString &reason)
{
    m_unavailable = reason;
    if (!reason.isEmpty()) {
        m_haveSnapshot = false;
        m_connecting = false;
        m_downSince = QDateTime();
    }
    updateState();
}

void ConnectionBar::setControlsEnabled(bool enabled)
{
    m_profiles->setEnabled(enabled);
    m_manage->setEnabled(enabled);
}

void ConnectionBar::updateState()
{
    using State = streams::StreamsSnapshot::State;
    const bool embeddedChosen = m_profiles->currentIndex() == 0;
    m_durability->setVisible(
        m_unavailable.isEmpty()
        && (m_haveSnapshot && !m_connecting ? m_snapshot.embedded : embeddedChosen));
    QString state;
    QColor colour;
    QString details;
    if (!m_unavailable.isEmpty()) {
        state = tr("Off");
        colour = QColor(0x80, 0x80, 0x80);
        details = m_unavailable;
    } else if (m_connecting || !m_haveSnapshot || m_snapshot.state == State::Connecting) {
        state = tr("Connecting");
        colour = kAmber;
        details = m_connecting && !m_connectingTo.isEmpty() ? tr("to %1…").arg(m_connectingTo)
                                                            : QString();
    } else if (m_snapshot.state == State::Connected) {
        state = tr("Connected");
        colour = kGreen;
        const int brokers = int(m_snapshot.metadata.brokers.size());
        details = QStringLiteral("%1 · %2").arg(m_snapshot.bootstrapServers,
                                                brokers == 1 ? tr("1 broker")
                                                             : tr("%1 brokers").arg(brokers));
    } else {
        state = tr("Down");
        colour = kRed;
        details = m_snapshot.bootstrapServers;
    }
    m_state->setText(QStringLiteral("● %1").arg(state));
    m_state->setStyleSheet(pillStyle(colour, palette()));
    m_state->setToolTip(m_haveSnapshot && m_snapshot.state == State::Down ? m_snapshot.problem
                                                                          : QString());
    m_details->setText(details);

    const bool down = m_unavailable.isEmpty() && !m_connecting && m_haveSnapshot
                      && m_snapshot.state == State::Down;
    if (down) {
        const QString since = m_downSince.isValid()
                                  ? QLocale().toString(m_downSince.time(), QStringLiteral("HH:mm"))
                                  : QStringLiteral("?");
        m_banner->setText(tr("<b>Cluster unreachable since %1:</b> %2")
                              .arg(since, m_snapshot.problem.toHtmlEscaped()));
    }
    m_banner->setVisible(down);
}

void ConnectionBar::updateColours()
{
    m_banner->setPalette(errorPalette(palette()));
    m_durability->setStyleSheet(pillStyle(kAmber, palette()));
    updateState();
}

void ConnectionBar::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        updateColours();
}

} // namespace millrace::ui
