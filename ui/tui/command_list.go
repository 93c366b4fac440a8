package tui

// newCommandTable lists every slash command. Help (F1, /help), Tab
// completion and dispatch are generated from it, so a command added here
// is documented, completed and reachable at once.
func newCommandTable() commandTable {
	return commandTable{
		{name: "/code", help: "show your link code and QR code, to share", run: do(showCode)},
		{name: "/status", help: "your ID, addresses and Tor: the status bar in full", run: do(showStatus)},
		{name: "/add", usage: "CODE", help: "add a contact from their link code", run: addContact},
		{name: "/pair", usage: "[CODE]", help: "pair with a device on this network by a short code", run: pairDevice},
		{name: "/accept", usage: "[NAME]", help: "accept a contact request or group invite",
			arg: argConv, run: answer(true)},
		{name: "/reject", usage: "[NAME]", help: "reject a contact request or group invite",
			arg: argConv, run: answer(false)},
		{name: "/open", usage: "NAME", help: "open a conversation by name (Tab completes it)",
			arg: argConv, run: openNamed},
		{name: "/info", usage: "[NAME]", help: "ID, safety number, verify; a group's members",
			arg: argConv, run: info},
		{name: "/rename", usage: "NAME", help: "rename the open contact (for you) or group (admins)",
			where: inConv, run: rename},
		{name: "/remove", aliases: []string{"/delete"}, usage: "[NAME]", help: "delete a contact or group and its history",
			arg: argConv, run: remove},
		{name: "/clear", help: "clear the scrollback on screen (history stays)", where: inConv, run: do((*UI).clearChat)},
		{name: "/export", usage: "FILE", help: "save the open conversation as text (or FILE.json); plaintext, file mode 0600",
			where: inConv, run: exportCommand},
		{name: "/backup", usage: "FILE [--no-history]", help: "write an encrypted backup of everything", run: backupCommand},
		{name: "/passwd", help: "change your passphrase", run: passwdCommand},
		{name: "/wipe", help: "delete this identity and all its data from this device", run: wipeCommand},
		{name: "/lock", help: "lock the screen", run: do((*UI).lockScreen)},
		{name: "/quit", help: "quit", run: do((*UI).quit)},
		{name: "/help", help: "this help", run: do((*UI).showHelp)},

		{name: "/search", usage: "[--here] WORDS", help: "find messages everywhere (Ctrl+F), or --here in this one; Enter opens",
			run: searchCommand},
		// Files (files.go).
		{name: "/send", usage: "PATH", help: "offer a file in the open chat, contact or group (Tab completes the path, ~ works)",
			where: inConv, arg: argPath, run: sendFile},
		{name: "/get", help: "accept the newest file offered here; it lands in the downloads directory",
			where: inConv, run: answerFile(true)},
		{name: "/cancel", help: "stop the newest transfer here, sent or received", where: inConv, run: cancelFile},
		{name: "/files", help: "list file transfers and where they were saved", run: listFiles},

		{name: "/group", usage: "NAME [— description]", help: "create a group and open it",
			section: groups, run: createGroup},
		{name: "/invite", usage: "NAME", help: "add a contact to the open group (admins)",
			section: groups, where: inGroup, arg: argContact, run: invite},
		{name: "/join", usage: "[GROUP]", help: "join a group you are invited to",
			section: groups, arg: argGroup, run: join(true)},
		{name: "/decline", usage: "[GROUP]", help: "decline a group invite",
			section: groups, arg: argGroup, run: join(false)},
		{name: "/members", help: "who is in the group: online, roles, you",
			section: groups, where: inGroup, run: members},
		{name: "/kick", usage: "NAME", help: "remove a member (admins)",
			section: groups, where: inGroup, arg: argMember, run: kick},
		{name: "/promote", usage: "NAME", help: "make a member an admin (owner)",
			section: groups, where: inGroup, arg: argMember, run: promote},
		{name: "/demote", usage: "NAME", help: "make an admin a member (owner)",
			section: groups, where: inGroup, arg: argMember, run: demote},
		{name: "/nick", usage: "NAME", help: "change your own name in the open group",
			section: groups, where: inGroup, run: nick},
		{name: "/topic", usage: "TEXT", help: "set the group's description (admins)",
			section: groups, where: inGroup, run: topic},
		{name: "/leave", help: "leave the group (asks first; history stays)",
			section: groups, where: inGroup, run: leave},
	}
}

// do adapts a UI action that cannot fail to a command handler.
func do(action func(*UI)) func(*UI, call) bool {
	return func(u *UI, _ call) bool {
		action(u)
		return true
	}
}

// openNamed opens the conversation /open names.
func openNamed(u *UI, c call) bool {
	if c.arg == "" {
		u.notice("Usage: " + c.usage() + " — a contact or #group; Tab completes it.")
		return false
	}
	u.open(c.target)
	return true
}
