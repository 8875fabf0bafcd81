#include "ui/panels/experiments/compare/keychooser.h"

#include <QMenu>

namespace millrace::ui {

KeyChooser::KeyChooser(const QString &title, QWidget *parent) : QToolButton(parent), m_title(title)
{
    setPopupMode(QToolButton::InstantPopup);
    setMenu(new QMenu(this));
    connect(menu(), &QMenu::aboutToShow, this, &KeyChooser::fillMenu);
    updateText();
}

void KeyChooser::setKeys(const QStringList &keys)
{
    if (keys == m_keys)
        return;
    const QStringList before = chosen();
    m_keys = keys;
    updateText();
    if (chosen() != before)
        Q_EMIT chosenChanged(chosen());
}

QStringList KeyChooser::chosen() const
{
    QStringList result;
    for (const QString &key : m_keys) {
        if (m_chosen.contains(key))
            result.append(key);
    }
    return result;
}

void KeyChooser::setChosen(const QStringList &keys, bool isDefault)
{
    if (!isDefault)
        m_hasChoice = true;
    const QStringList before = chosen();
    m_chosen = keys;
    updateText();
    if (chosen() != before)
        Q_EMIT chosenChanged(chosen());
}

void KeyChooser::fillMenu()
{
    QMenu *keyMenu = menu();
    keyMenu->clear();
    if (m_keys.isEmpty()) {
        keyMenu->addAction(tr("Nothing to choose"))->setEnabled(false);
        return;
    }
    QAction *all = keyMenu->addAction(tr("All"));
    connect(all, &QAction::triggered, this, [this] { setChosen(m_keys); });
    QAction *none = keyMenu->addAction(tr("None"));
    connect(none, &QAction::triggered, this, [this] { setChosen({}); });
    keyMenu->addSeparator();
    for (const QString &key : std::as_const(m_keys)) {
        QAction *action = keyMenu->addAction(key);
        action->setCheckable(true);
        action->setChecked(m_chosen.contains(key));
        connect(action, &QAction::toggled, this, [this, key](bool on) {
            QStringList keys = m_chosen;
            if (on && !keys.contains(key))
                keys.append(key);
            else if (!on)
                keys.removeAll(key);
            setChosen(keys);
        });
    }
}

void KeyChooser::updateText()
{
    const int count = int(chosen().size());
    setText(count == 0 ? tr("%1: none").arg(m_title) : tr("%1 (%2)").arg(m_title).arg(count));
    setToolTip(count == 0 ? tr("Choose what to show") : chosen().join(QLatin1Char('\n')));
}

} // namespace millrace::ui
