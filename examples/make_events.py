#!/usr/bin/env python3
"""Regenerate examples/events.jsonl: one synthetic day (2026-11-20, UTC) of
social-media traffic around the gadget brand @acme (brand accounts "@acme"
and "@acme_help").

    python3 examples/make_events.py

The output is deterministic (``random.Random(20261120)``, standard library
only). The day is composed from hand-written text pools and scripted
scenarios:

- everyday mentions, comments on the brand's posts, direct messages and
  reviews (complaints, questions, praise, chatter, spam) from ~110 customers
  with Zipf-like activity and log-normal follower counts;
- a verified tech journalist (~250k followers) who complains in the morning
  and follows up in the afternoon, and a verified creator (~40k);
- an app-outage storm: 25 complaint mentions in 20 minutes around 14:00;
- sales leads, two people who ask the brand to leave them alone, spam;
- brand replies with varied delays (minutes, hours, never), threaded by
  ``thread`` and/or ``in_reply_to``, including conversations chained only by
  ``in_reply_to`` and one reply dated a minute before the item it answers;
- ``handled`` events from the back-office tool, naming an item or a thread;
- reader edge cases: late events, "+01:00" offsets, fractional seconds,
  authors without id, events without author, extra fields (``campaign``,
  ``location``), five malformed lines and two blank lines.

Event fields follow SPEC.md section 1. The script prints a summary of what
it wrote (counts, notable ids, line numbers of the malformed lines).
"""

import json
import math
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

SEED = 20261120
DAY = datetime(2026, 11, 20, tzinfo=UTC)
CET = timezone(timedelta(hours=1))
OUT = Path(__file__).resolve().with_name("events.jsonl")

KEY_ORDER = (
    "id",
    "type",
    "time",
    "author",
    "text",
    "platform",
    "thread",
    "in_reply_to",
    "rating",
    "labels",
    "sentiment",
    "ref",
)
ID_PREFIX = {
    "mention": ("m", 3),
    "reply": ("r", 3),
    "comment": ("c", 3),
    "message": ("dm", 2),
    "review": ("rv", 2),
    "handled": ("h", 2),
    "post": ("p", 2),
}

ACME = {"id": "b1001", "handle": "@acme", "name": "Acme", "followers": 182400, "verified": True}
ACME_HELP = {
    "id": "b1002",
    "handle": "@acme_help",
    "name": "Acme Support",
    "followers": 23950,
    "verified": True,
}
ACME_HELP_CAPS = dict(ACME_HELP, handle="@ACME_help")  # same account, other case
SIGNATURES = ("^SK", "^MJ", "^AK", "^RS", "^JM")
SUPPORT_OPENS, SUPPORT_CLOSES = 7, 23  # brand replies go out 07:00-23:00

AGENT_MARIA = {"handle": "agent.maria", "name": "Maria Lopez"}
AGENT_LI = {"id": "agent-07", "handle": "agent.li", "name": "Li Wei"}

# Brand posts that customers comment on (the posts themselves are not events).
POSTS = {
    "ig_post_18044": ("instagram", "blackfriday"),  # Black Friday teaser
    "ig_post_18039": ("instagram", None),  # X2 titanium photo
    "fb_post_7731": ("facebook", None),  # firmware 3.1 announcement
    "fb_post_7740": ("facebook", "blackfriday"),  # Pad 11 holiday bundle
}

# Activity over the day (events per hour, relative).
HOUR_WEIGHTS = (2, 1, 1, 0.5, 0.5, 1, 2, 4, 6, 7, 7, 7, 8, 7, 6, 7, 7, 7, 8, 8, 8, 7, 5, 3)


# --------------------------------------------------------------------------
# Text pools

# (topic, text). Topics pick a fitting brand answer.
COMPLAINTS = [
    ("broken", "@acme my X2 arrived with a cracked screen. Box was fine, watch was not. Great start 🙃"),
    (
        "delivery",
        "ordered the Pad 11 on the 9th, tracking hasn't moved since monday. @acme where is my stuff??",
    ),
    (
        "refund",
        "@acme_help 3 weeks waiting for a refund on a return you RECEIVED on nov 2. I want my money back.",
    ),
    (
        "battery",
        "Battery on my Acme X2 is dead by 2pm every day. Was getting 2 days at launch. @acme what did the last update do? #acmefail",
    ),
    (
        "app",
        "The Acme Connect app crashes every single time I open the sleep tab. iPhone 15, latest iOS. @acme_help",
    ),
    (
        "support",
        "just spent 45 min on the phone with @acme support and the guy literally hung up on me. unbelievable",
    ),
    ("refund", "@acme if my refund isn't in my account by friday I'm doing a chargeback. done waiting."),
    ("broken", "DOA. Buds Pro right earbud doesn't even turn on. @acme #acmefail"),
    ("delivery", "@acme delivery 'guaranteed by Nov 18'. It's the 20th. Nothing. No email. Nothing."),
    (
        "broken",
        "my acme homehub keeps dropping wifi every hour or so, factory reset twice. @acme_help any ideas or is it just junk",
    ),
    (
        "support",
        "Why does @acme support need a photo of the receipt, the box, the serial AND my firstborn to process a warranty claim",
    ),
    ("support", "@acme_help your chat agent closed my ticket while I was typing. Third time this week."),
    ("broken", "X2 strap broke after 10 days. TEN DAYS. @acme"),
    (
        "broken",
        "@acme the charger you ship with the Pad 11 gets scary hot. like can't-touch-it hot. is this normal??",
    ),
    ("delivery", "WHERE IS MY ORDER @acme ??? AC-40921 PAID FOR EXPRESS SHIPPING"),
    ("app", "app update wiped all my workout history. years of data. thanks @acme 👏👏"),
    (
        "refund",
        "Returned my X2 a month ago. Still no refund. Emails get a bot reply. @acme_help I just want my money back",
    ),
    (
        "broken",
        "@acme bought the buds pro for my daughter's birthday and the case won't close properly. really disappointed",
    ),
    (
        "broken",
        "the X2 heart rate readings are all over the place, 180bpm while sitting on the couch lol @acme",
    ),
    ("refund", "second replacement unit, SAME problem. screen flickers. @acme I'm done, give me a refund"),
    (
        "support",
        "@acme_help support told me 'that's expected behaviour' when my watch reboots 5x a day. Really??",
    ),
    ("support", "honestly the worst customer service I've dealt with. @acme rude, slow, and clueless"),
    (
        "delivery",
        "my pad 11 was delivered to the wrong address and the courier says it's 'delivered'. @acme please help this is a gift",
    ),
    ("delivery", "@acme package arrived open and EMPTY. how does that even happen"),
    (
        "battery",
        "Acme X2 battery went from 100 to 20 in 3 hours with GPS off. something is very wrong @acme_help",
    ),
    (
        "app",
        "Can't pair my Buds Pro with the app anymore since the update. Keeps saying 'device not found'. @acme",
    ),
    ("billing", "@acme you charged my card twice for the same order and now nobody answers the phone"),
    ("support", "was promised a callback 'within 24h' on monday. it's friday. @acme_help"),
    (
        "app",
        "lol the @acme app crashed mid firmware update and now my watch shows a wrench icon. cool cool cool",
    ),
    ("support", "@acme ur support agent called me 'sweetie' and told me to read the manual. no thanks."),
    ("refund", "I want a refund not store credit @acme. Not interested in a voucher."),
    (
        "support",
        "3rd time contacting @acme_help about my damaged X2. 3 different answers. nobody reads the ticket history",
    ),
    ("broken", "@acme the HomeHub speaker crackles at any volume above 40%. brand new out of the box."),
    ("delivery", "Delivery window 8-12. Waited all morning, took a day off work. No show. @acme @acme_help"),
    ("delivery", "Estimated delivery keeps moving. Nov 17 → Nov 21 → Nov 25. @acme is this a joke"),
    ("battery", "the x2 wont hold a charge overnight anymore, 40% gone while sleeping 😩 @acme"),
    ("refund", "filing a chargeback with my bank today. @acme had 6 weeks to sort this."),
    ("support", "@acme_help my ticket #558120 has been 'in progress' for 19 days"),
    ("app", "The Acme app logs me out every time I switch apps. Every. Single. Time. @acme"),
    ("other", "Why did my X2 come with a UK plug when I ordered from Germany @acme 🤦‍♂️"),
    ("broken", "@acme buds pro ANC makes a high pitched whine on the left side. replacement plz"),
    ("broken", "paid €329 for a watch that needs a restart every morning. not ok @acme #acmefail"),
    ("support", "@acme support chat says 'agents are busy' for 2 hours now. are there any agents at all"),
    ("delivery", "my order says delivered but it's not here, neighbours don't have it either @acme_help"),
    ("broken", "@acme_help the replacement you sent is refurbished and scratched. I paid for new."),
    ("billing", "cancelled my order 2 days ago, still got charged and now it's 'shipped'?? @acme"),
    ("broken", "@acme Pad 11 screen has a dead pixel cluster right in the middle. photos attached"),
    (
        "broken",
        "my Pad 11 charger melted a bit and left a burn mark on my desk. @acme this is actually dangerous",
    ),
]
# The classifier misreads sarcasm: this complaint comes labelled "praise".
SARCASM = "Sarcasm alert: love how my brand new @acme X2 died on day 2 😍 #blessed"

COMPLAINT_ANSWERS = {
    "broken": [
        "{h} oh no 😟 that definitely isn't right. DM us a photo and your order number and we'll get a replacement out {sig}",
        "{h} so sorry about this, {first}! That's covered by the warranty. We've sent you a DM to set up the swap. {sig}",
        "{h} sorry {first}! Could you try a restart (hold the side button 15s)? If it's still the same, DM us and we'll replace it {sig}",
    ],
    "delivery": [
        "{h} really sorry for the wait, {first}. Please DM us your order number and we'll chase the courier right away {sig}",
        "{h} that's not okay, sorry! We've opened a trace with the courier. DM us your order number so we can keep you posted {sig}",
        "{h} sorry {first}! Parcels are running 1-2 days behind this week. DM us and we'll check yours personally {sig}",
    ],
    "refund": [
        "{h} Hi {first}, sorry! Refunds go out within 5-7 business days after the return is scanned. Can you DM us the return tracking? {sig}",
        "{h} we hear you, and we're sorry it's taken this long. A team lead will look at your refund today, check your DMs {sig}",
    ],
    "battery": [
        "{h} thanks for flagging, we're aware of a battery drain on fw 3.1 and a fix is rolling out next week. Sorry for the hassle! {sig}",
        "{h} sorry {first}! Could you check Settings > Battery for the top app? DM us a screenshot and we'll dig in {sig}",
    ],
    "app": [
        "{h} sorry for the trouble! Could you tell us your app version (Settings > About)? Our app team is looking into it {sig}",
        "{h} that's frustrating, sorry {first}. A fix for this crash is in review with the app store now {sig}",
    ],
    "support": [
        "{h} we're really sorry about your experience with our team. Could you DM us the ticket number? We'd like to look into it {sig}",
        "{h} that's not the experience we want for you, {first}. Following up in DM now 📩 {sig}",
    ],
    "billing": [
        "{h} sorry about that! Please DM us the order number and the last 4 digits of the card and we'll reverse the extra charge {sig}",
    ],
    "other": [
        "{h} apologies {first}, that shouldn't happen. We've sent you a DM to sort it out {sig}",
    ],
}

# (question, brand answer)
QUESTIONS = [
    (
        "@acme_help how long does shipping to Ireland usually take right now?",
        "{h} Hi {first}! Ireland is 3-5 business days at the moment 🇮🇪 {sig}",
    ),
    (
        "does the X2 work with a Pixel 7? website only mentions iphone @acme",
        "{h} it does! Any Android 10+ phone works with the X2 👍 {sig}",
    ),
    (
        "@acme is the 2 year warranty valid if I bought from amazon?",
        "{h} yes, as long as the seller is Amazon itself or an authorised reseller. Keep the invoice! {sig}",
    ),
    (
        "Hey @acme, will the Black Friday deal on the X2 also apply to the titanium version? #blackfriday",
        "{h} it will 😉 all X2 models are in the deal from next Friday {sig}",
    ),
    (
        "@acme_help can I swap the X2 strap for a standard 22mm band?",
        "{h} yes, the X2 uses standard 22mm quick-release pins {sig}",
    ),
    (
        "quick q @acme — do the Buds Pro support multipoint (phone + laptop at the same time)?",
        "{h} they do since firmware 2.4, turn it on in the app under Connections {sig}",
    ),
    (
        "@acme when does the black friday sale actually start? midnight? which timezone?",
        "{h} 00:00 CET on Nov 27 on acme.com, stores open at 8 local time {sig}",
    ),
    (
        "Is there a way to export my data from the Acme app to Strava? @acme_help",
        "{h} yes! Profile > Connected apps > Strava and your workouts sync automatically {sig}",
    ),
    (
        "@acme does the Pad 11 keyboard case work with the Pad 10 too?",
        "{h} sadly not, the connector moved. The Pad 10 case is still on sale though {sig}",
    ),
    (
        "Will the X2 get the sleep apnea feature in Europe? @acme",
        "{h} it's waiting for approval in the EU, we'll share news as soon as we can {sig}",
    ),
    (
        "@acme_help what's the return window on orders placed during black friday? asking for a gift",
        "{h} holiday orders can be returned until Jan 31 🎁 {sig}",
    ),
    (
        "does the acme homehub work with google home or only alexa? @acme",
        "{h} both! And Apple Home via Matter {sig}",
    ),
    (
        "@acme do you ship to Canada or do I need to order from a retailer",
        "{h} we ship to Canada from acme.com/ca, duties included {sig}",
    ),
    (
        "can I use the 65W Acme charger with my macbook? @acme_help",
        "{h} yes, it's standard USB-C PD, works great with MacBooks {sig}",
    ),
    (
        "@acme is it normal the X2 gets warm while charging?",
        "{h} a little warmth is normal. If it's too hot to touch, unplug it and DM us {sig}",
    ),
    (
        "@acme how do I reset the buds pro? the manual isn't clear",
        "{h} put both buds in the case, lid open, hold the back button 15s until the light blinks white {sig}",
    ),
    (
        "hey @acme_help does express shipping deliver on saturdays?",
        "{h} in most cities yes, you'll see the option at checkout {sig}",
    ),
    (
        "@acme is the X2 waterproof enough for swimming in the sea or just pools?",
        "{h} it's rated 5ATM, so sea swimming is fine. Rinse it with fresh water after 🌊 {sig}",
    ),
    (
        "any news on when the X2 in green will be back in stock @acme ?",
        "{h} early December! Tap 'notify me' on the product page {sig}",
    ),
    (
        "@acme does the warranty cover a cracked screen if I dropped it? be honest 😅",
        "{h} honest answer: not the standard warranty, but Acme Care covers 2 accidents a year {sig}",
    ),
    (
        "@acme_help I moved house, can I change the delivery address on an order that's already shipped?",
        "{h} DM us the order number and we'll ask the courier to redirect it {sig}",
    ),
    (
        "@acme price match policy? saw the Pad 11 cheaper at MediaMarkt",
        "{h} we price match authorised retailers within 14 days of purchase, DM us the link {sig}",
    ),
    (
        "does anyone know if the @acme X2 works with Samsung Health? or only the acme app",
        "{h} it syncs with Health Connect, so Samsung Health picks it up {sig}",
    ),
    (
        "@acme do you offer student discount? 🎓",
        "{h} 10% off with a verified student email at acme.com/edu 🎓 {sig}",
    ),
    (
        "@acme_help is there a trade-in program for the old X1?",
        "{h} yes, up to €80 for an X1 in good condition: acme.com/tradein {sig}",
    ),
    (
        "can the HomeHub be used as a bluetooth speaker without wifi @acme",
        "{h} yep, Bluetooth works without wifi {sig}",
    ),
    ("@acme will the X2 firmware 3.2 come out before black friday", "{h} that's the plan 🤞 {sig}"),
    (
        "@acme how long does a warranty repair usually take? need my watch for a marathon dec 6",
        "{h} about 5-7 days door to door. Good luck on the 6th! 🏃 {sig}",
    ),
    (
        "@acme_help do I need an account to use the buds pro? really don't want another login",
        "{h} no account needed, the app is optional {sig}",
    ),
    (
        "Hi @acme, does the Pad 11 support a stylus? which one?",
        "{h} the Acme Pen 2 works with the Pad 11 ✍️ {sig}",
    ),
    (
        "@acme gift wrapping available on the webshop?",
        "{h} it is, €3 per item, choose it in the cart 🎀 {sig}",
    ),
    (
        "@acme does the X2 work with the Garmin chest strap over bluetooth?",
        "{h} any Bluetooth heart rate strap works, including Garmin's {sig}",
    ),
    (
        "@acme_help is the X2 sold in Switzerland with a Swiss plug?",
        "{h} the X2 charges over USB-C, so no plug in the box, any adapter works {sig}",
    ),
    (
        "@acme can I pay in installments? klarna or something?",
        "{h} Klarna is available at checkout in most countries {sig}",
    ),
]

PRAISE = [
    "love my new Acme X2 ❤️ the always-on display is gorgeous #AcmeX2",
    "shoutout to @acme_help, Sam sorted my replacement in 10 minutes. that's how it's done 👏",
    "Buds Pro ANC on the train this morning = bliss. @acme you nailed it",
    "3 weeks with the @acme X2 and I've closed my rings every day. obsessed #AcmeX2",
    "@acme just want to say thanks, the repair came back in 4 days and looks brand new",
    "Honestly the Pad 11 is the best tablet I've owned for the price. good job @acme",
    "the new sleep tracking on my x2 is scary accurate 😴 @acme",
    "@acme_help thank you Priya for the patience yesterday!! setup finally works",
    "Got my X2 two days early 📦 @acme logistics team deserves a raise",
    "switched to @acme this year and not looking back. the app is so much cleaner",
    "my dad (78) set up his X2 by himself. @acme that says a lot about your design",
    "@acme the HomeHub in the kitchen is now the family radio. love it",
    "Birthday present from my wife: Acme X2 🎁 she knows me too well #AcmeX2 @acme",
    "big thanks to the @acme_help team for the quick refund, no questions asked. respect",
    "Acme Buds Pro fit perfectly, first earbuds that don't fall out when I run 🏃‍♀️ @acme",
    "@acme X2 battery life after the update is much better for me fwiw",
    "can't believe how good the @acme Pad 11 speakers are for movies",
    "unboxing my first @acme product and the packaging is 10/10, zero plastic 🌱",
    "the x2 fall detection actually called my sister when I slipped on ice this morning. thank you @acme 🙏",
    "Pre-ordered the X2 titanium for black friday. see you next week baby @acme #blackfriday",
    "@acme customer for 6 years, never disappointed",
    "that new watch face drop is 🔥 @acme",
    "@acme_help solved in one message. wish every company was like this",
    "Acme X2 + marathon training = match made in heaven 🏅 @acme",
    "@acme the gift card came in a really cute envelope lol, small things",
    "I was skeptical but the @acme HomeHub sounds better than my old speaker setup",
    "best purchase of 2026, acme x2, no contest @acme #AcmeX2",
    "@acme thanks for replacing my buds without me even having to send the old ones back",
    "kids love the Pad 11, parental controls are actually usable @acme",
    "first smartwatch that doesn't look like a toy. well done @acme",
]
PRAISE_ANSWERS = [
    "{h} this made our day 💙",
    "{h} thanks {first}! enjoy it ⌚",
    "{h} we'll pass this on to the team, thanks so much! 🙌 {sig}",
    "{h} love to hear it! 🏃‍♀️",
    "{h} 🙌🙌 thanks for the kind words, {first}!",
    "{h} aww thank you! 💙",
]

CHATTER = [
    "watching the @acme keynote replay, the X3 teaser at the end 👀",
    "@acme vs the competition for a first smartwatch? thoughts people",
    "my cat is obsessed with the @acme HomeHub light ring lol",
    "Acme is hiring in Berlin apparently @acme",
    "RT if you're getting the @acme X2 on black friday #blackfriday",
    "new phone, who dis. also new @acme X2, who dis",
    "ok which @acme watch face are you all using, need inspo",
    "@acme pls bring back the orange X1 colour",
    "waiting for black friday to grab the @acme Pad 11, fingers crossed for a good deal",
    "the @acme store on Main St has a queue out the door lol",
    "my X2 says I walked 23k steps at the concert last night. dancing counts @acme",
    "someone at work has the titanium @acme X2 and now I want one",
    "@acme is trending, what happened",
    "reading the @acme sustainability report over coffee ☕",
    "first time seeing an @acme billboard in Lisbon",
    "@acme your holiday ad made me cry a little ngl",
    "does @acme still sponsor the city marathon?",
    "comparing @acme X2 and the old X1 side by side for my blog, results tomorrow",
]

SPAM_MENTIONS = [
    "FREE FOLLOWERS 🔥🔥 click here bit.ly/fr33-f0ll0w @acme",
    "@acme @acme_help 💰 Earn $500/day from home, DM me 'INFO' 💰",
    "Acme X2 only $39!!! official outlet acme-x2-deals.shop limited stock @acme",
    "@acme check out my page for crypto signals 🚀🚀 100x guaranteed",
    "🎁 ACME GIVEAWAY 🎁 follow + like + click the link in bio to win an X2 @acme",
    "@acme nice post! wanna collab? DM us for promo 📈 #followforfollow",
]
SPAM_COMMENTS = [
    "free followers click here 👉 instafollow.top",
    "Promote it on @promo.boost.daily 🔥",
    "I made $3,200 this week with this app, ask me how 💸",
]
SPAMMERS = [
    {
        "id": "u90001",
        "handle": "@fr33followers_now",
        "name": "Followers 4 U",
        "followers": 12,
        "verified": False,
    },
    {
        "id": "u90002",
        "handle": "@cashqueen_2026",
        "name": "Cash Queen 💰",
        "followers": 340,
        "verified": False,
    },
    {
        "id": "u90003",
        "handle": "@acme_outlet_deals",
        "name": "Acme Outlet Deals",
        "followers": 57,
        "verified": False,
    },
    {"id": "u90004", "handle": "@crypto_moonboy", "name": "moonboy", "followers": 1880, "verified": False},
    {
        "id": "u90005",
        "handle": "@giveaway.acme.official",
        "name": "Acme Giveaway",
        "followers": 230,
        "verified": False,
    },
    {
        "id": "u90006",
        "handle": "@promo.boost.daily",
        "name": "Promo Boost",
        "followers": 4100,
        "verified": False,
    },
]

STORM = [
    "@acme app down? can't log in at all #acmedown",
    "is the acme app down for anyone else?? 'server error 503' #acmedown",
    "@acme_help can't log in to the app, says my password is wrong but I just reset it",
    "CAN'T LOG IN. @acme fix your app. #acmedown",
    "acme connect won't sync my X2, spinning forever. @acme status page says all green lol",
    "@acme my watch can't sync and I need my sleep data for my doctor appt at 3 😤",
    "app down again?? 2nd time this month @acme #acmedown #acmefail",
    "tried reinstalling the acme app, now I can't even get past the login screen. great. @acme",
    "@acme_help login loop on android. 'Something went wrong, try again later'",
    "is there an @acme outage? HomeHub says 'cloud unavailable' and won't play anything",
    "@acme any ETA? app down for 15 min and my alarm routines are gone #acmedown",
    "can't log in can't sync can't do anything. @acme what's going on",
    "lmao @acme app is down a week before black friday. good luck with that #acmedown",
    "@acme my kids' Pad 11 parental controls stopped working, app won't load. PLEASE fix",
    "acme app: 'Unable to connect'. wifi is fine, every other app is fine. @acme_help",
    "#acmedown confirmed, whole office can't log in to the acme app",
    "@acme an update on the outage would be nice. twitter is the only place I can even find out it's down",
    "the one day I forget to download my workout offline... @acme app down 😩",
    "@acme_help error code AC-1042 when logging in, what does it mean?",
    "@acme is my account hacked or is the app just down? can't log in and got no email",
    "acme app down. watch notifications also stopped?? how are these connected @acme",
    "Acme servers on fire 🔥 #acmedown @acme",
    "@acme paid for acme+ premium and can't even log in. want a refund for this month",
    "still down. @acme_help hello??? #acmedown",
    "@acme login broken on web AND app. cleared cache, tried 3 browsers",
]
STORM_ANSWERS = [
    "{h} sorry {first}! We're aware of login issues with the Acme app and our engineers are on it. Updates to follow {sig}",
    "{h} we know, and we're sorry 😞 the team is working on a fix right now {sig}",
    "{h} your account is fine, this is an outage on our side. Working on it! {sig}",
    "{h} sorry for the disruption, we're on it. Your data is safe and will sync once we're back {sig}",
]
STORM_FIXED = "{h} we're back up! Force-close the app and log in again. Sorry for the trouble, {first} {sig}"

# (category, text, answer or None)
COMMENTS = [
    ("praise", "omg the titanium one 😍😍", None),
    ("praise", "need this in my life", None),
    ("praise", "Best watch I've ever owned honestly", "Thank you {first}! 💙"),
    ("praise", "Gorgeous! 🔥", None),
    ("praise", "Just ordered mine!! can't wait", "Yay! Enjoy it {first} 🎉"),
    ("praise", "That bundle is a steal 👀", None),
    ("praise", "love love love", None),
    ("praise", "Have had mine since launch, zero problems 👌", None),
    ("praise", "Tagging @maria.k.92 for my birthday hint 😂🎁", None),
    ("praise", "Finally a bundle with the keyboard included 🙌", None),
    ("praise", "this update fixed my battery, thank you!", "So glad to hear it! 🔋"),
    ("praise", "Beautiful design as always", None),
    ("question", "Is the bundle available in Austria?", "Hi {first}! Yes, from acme.com/at 🇦🇹"),
    ("question", "Does the titanium version come in 41mm?", "Only 45mm for now, {first}!"),
    ("question", "When does the sale end?", "It runs until Cyber Monday, Dec 1 🛍️"),
    ("question", "Will the firmware come to the X1 too?", "The X1 gets 3.1 in December, {first}!"),
    (
        "question",
        "How do I install the update? doesn't show up for me",
        "Hi {first}, open the app > Device > Software update, with the watch on its charger",
    ),
    ("question", "is the discount also in stores or online only?", "Both! 🙌"),
    ("question", "Is the strap leather or vegan?", "Vegan! It's made from cactus fibre 🌵"),
    ("question", "Does it ship before christmas if I order on black friday?", "Absolutely, {first} 🎄"),
    (
        "question",
        "Which charger is included?",
        "A USB-C cable is in the box, the 65W charger is sold separately",
    ),
    ("question", "Price in CHF?", None),
    ("question", "Can you use it without a phone?", "Yes for workouts and music, but setup needs a phone"),
    ("question", "is the keyboard in the bundle QWERTZ for Germany?", "Yes, German orders get QWERTZ 🇩🇪"),
    ("complaint", "Since this update my watch restarts every night. Please roll it back", None),
    ("complaint", "Still waiting for my order from October, answer your DMs!!", None),
    ("complaint", "Nice ad. Now answer my emails about my refund", None),
    ("complaint", "The update killed my battery life, 1 day instead of 3", None),
    ("complaint", "Posting this while my X2 is stuck on the logo screen after the update 🙃", None),
    ("complaint", "Customer service ignored me for 2 weeks, won't buy again", None),
    (
        "complaint",
        "Ordered the bundle last week at full price, now it's 30% off?? refund the difference or I'm returning it",
        None,
    ),
    ("complaint", "my update failed and now the watch is bricked", None),
    ("complaint", "Your shipping is a disaster", None),
    ("complaint", "I asked about my broken pad 3 times in the DMs no response", None),
    ("complaint", "Delete this and fix the app", None),
    ("chatter", "👀", None),
    ("chatter", "@tom_h_1988 look", None),
    ("chatter", "first", None),
]
COMMENT_COMPLAINT_ANSWERS = [
    "Hi {first}, sorry about this! Please send us a DM with your order number so we can help {sig}",
    "So sorry {first} 😞 we've sent you a DM {sig}",
    "We're sorry to hear this, {first}. Our team will reach out in DM today {sig}",
]

# (category, text) for direct messages
MESSAGES = [
    ("complaint", "Hi, my X2 stopped charging completely. Order AC-38817. What are my options?"),
    (
        "complaint",
        "Hello, I returned my Buds Pro on Nov 3 (tracking attached) and still haven't received my refund. Can you check?",
    ),
    ("question", "hey, quick question: can I add gift wrapping to an order I already placed?"),
    (
        "complaint",
        "Your courier left my package in the rain, box is soaked, tablet won't turn on. Photos attached.",
    ),
    ("question", "Hi! Is there a way to get an invoice with my company's VAT number for order AC-41230?"),
    ("complaint", "I've been charged twice, see screenshot. Please refund the duplicate."),
    ("complaint", "Hallo, ich habe mein Paket immer noch nicht bekommen. Bestellung AC-40188. Danke"),
    ("praise", "Thanks for the help earlier, the watch is working again 😊"),
    (
        "question",
        "Can you tell me if my X2 is still under warranty? bought it in Jan 2025, serial X2-7734-0912",
    ),
    (
        "complaint",
        "the chat on your website keeps disconnecting so trying here. my account is locked after too many login attempts",
    ),
    (
        "question",
        "Hi, I write for a local paper about Black Friday tech deals, who could I talk to for a quote?",
    ),
]
MESSAGE_ANSWERS = {
    "complaint": [
        "Hi {first}, so sorry about this! Could you send us the order number and a photo? We'll get it sorted today. {sig}",
        "Hi {first}, thanks for reaching out and sorry for the trouble. I've opened a case for you and will update you here. {sig}",
        "Sorry {first}! I've passed this to our billing team, you'll hear back within 24h. {sig}",
    ],
    "question": [
        "Hi {first}! Happy to help. Could you send me the order number? {sig}",
        "Hi {first}, good question! I'll check with the team and get back to you here. {sig}",
    ],
    "praise": ["So glad to hear that, {first}! 💙 {sig}"],
}

# (rating, text); the last one is review spam
REVIEWS = [
    (
        5,
        "Best smartwatch I've owned. Battery easily lasts 2.5 days, screen is gorgeous, app is clean. Only wish the strap was a bit softer.",
    ),
    (5, "Buds Pro: great ANC, great fit, case is tiny. Would buy again."),
    (5, "Bought the Pad 11 for my mum, she video calls the grandkids every day now. Setup was painless."),
    (
        5,
        "Support replaced my faulty unit within a week. Product is excellent when it works, and the service is even better.",
    ),
    (5, "HomeHub sounds incredible for the size. Pairing with my phone took seconds."),
    (4, "Really nice watch, accurate GPS. Minus one star because the charger cable is way too short."),
    (4, "Good earbuds for the price, the app is a bit clunky though."),
    (4, "Solid tablet. Screen is great, speakers are great, gets a bit slow with lots of tabs open."),
    (4, "Delivery was a day late but the product itself is great."),
    (3, "It's fine. Nothing special. Battery life is not what was advertised."),
    (3, "Good hardware, app crashes too often. Fix the software and it's a 5."),
    (3, "Watch is nice but the strap broke after a month and a replacement costs €39?"),
    (2, "Third firmware update in a row that made battery life worse. Disappointed."),
    (2, "Arrived with scratches on the screen. Replacement was fine but took 3 weeks."),
    (2, "Sound is OK but the left earbud disconnects randomly. Support wasn't much help."),
    (
        1,
        "DO NOT BUY. My Acme X2 stopped working after 6 weeks, support keeps sending me the same troubleshooting steps. Want my money back.",
    ),
    (
        1,
        "Never received my order. Acme says it's the courier's problem, courier says it's Acme's. 4 weeks, no refund.",
    ),
    (1, "The app is a disaster. Crashes constantly, lost all my data. Returning the watch."),
    (1, "Rude support agent told me my warranty claim was 'user error'. It wasn't. Never again."),
    (1, "Charged twice, refund still pending after 20 days. Filing a chargeback."),
    (5, "Get 70% discount on Acme X2 and Buds Pro at http://acme-outlet-store.biz !!! best price guaranteed"),
]
REVIEW_ANSWERS = {
    "low": "Hi {first}, we're sorry to read this. Please contact us at care@acme.example with your order number and we'll make it right. – Acme Support",
    "mid": "Thanks for the honest feedback, {first}! We've shared it with the product team. – Acme Support",
    "high": "Thank you so much for the lovely review, {first}! 💙 – Acme",
}

# Sentiment ranges per category (an upstream score; only some events carry it).
SENTIMENT = {
    "complaint": (-0.95, -0.3),
    "storm": (-0.9, -0.35),
    "question": (-0.15, 0.35),
    "praise": (0.5, 0.97),
    "chatter": (-0.1, 0.55),
    "spam": (0.2, 0.85),
    "brand": (0.2, 0.8),
    "optout": (-0.8, -0.4),
    "lead": (0.0, 0.4),
}
LABELS = {
    "complaint": ["complaint"],
    "storm": ["complaint"],
    "question": ["question"],
    "praise": ["praise"],
    "spam": ["spam"],
    "optout": ["opt_out"],
    "lead": ["sales_lead"],
}

# --------------------------------------------------------------------------
# Customers

FIRST_NAMES = (
    "Jenny Tom Aisha Marco Sofia Liam Chloe Ravi Hannah Diego Yuki Ben Fatima Noah Grace Omar Ella "
    "Lucas Mia Kwame Olivia Mateo Zoe Daniel Priyanka Jack Amara Leo Ruby Ahmed Nora Sean Laura "
    "Tariq Emily Kenji Sara Patrick Ines Felix Maya Jonas Chiara Lars Ana Hugo Elif Niamh Dev Tessa "
    "Oscar Lucy Malik Freya Rui Isla Andre Keisha Pablo Anya"
).split()
LAST_NAMES = (
    "Kowalski Nguyen Okafor Rossi Garcia Murphy Brown Patel Schmidt Lopez Tanaka Walsh Haddad Cohen "
    "Ward Ali Bennett Silva Fischer Mensah Taylor Moreau Costa Novak Reyes Jensen Byrne Kim Hughes "
    "Ivanova Dubois Park Morgan Santos Clarke Yilmaz Becker Russo Evans Adeyemi"
).split()
NICKNAMES = (
    "gadgetgranny runnerbean techdadjoe pixel_pusher coffeeandcode nightowl_nina marathon_mo "
    "sofa_surfer beardedbyte quietcoder lazy_sunday_sue trailmix_tim wifi_wizard "
    "snackqueen_ law_and_lattes"
).split()
CET_COUNTRIES = ("DE", "DE", "DE", "AT", "NL", "FR", "DE", "FR")
OTHER_COUNTRIES = ("US", "US", "US", "GB", "GB", "IE", "CA", "AU", "US", "GB")
N_CUSTOMERS = 108


def make_customers(rng):
    """~108 customers: log-normal followers, some without id, a few big accounts."""
    customers, handles, ids = [], set(), set()
    nick_pool = list(NICKNAMES)
    rng.shuffle(nick_pool)
    while len(customers) < N_CUSTOMERS:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        style = rng.random()
        if nick_pool and style < 0.13:
            handle = "@" + nick_pool.pop()
        elif style < 0.35:
            handle = f"@{first.lower()}_{last[0].lower()}"
        elif style < 0.55:
            handle = f"@{first.lower()}{last.lower()}{rng.randint(1, 99)}"
        elif style < 0.7:
            handle = f"@{first.lower()}.{last.lower()}"
        elif style < 0.8:
            handle = f"@{first[0].lower()}{last.lower()}"
        elif style < 0.9:
            handle = f"@{first}{last}"
        else:
            handle = f"@the_real_{first.lower()}"
        if handle.lower() in handles:
            continue
        handles.add(handle.lower())
        name = rng.choice((f"{first} {last}", f"{first} {last}", first, f"{first} {last[0]}."))
        followers = max(4, int(rng.lognormvariate(math.log(260), 1.15)))
        author = {"handle": handle, "name": name, "followers": followers, "verified": False}
        if rng.random() > 0.1:
            uid = f"u{rng.randint(10000, 89999)}"
            while uid in ids:
                uid = f"u{rng.randint(10000, 89999)}"
            ids.add(uid)
            author = {"id": uid, **author}
        author["_country"] = rng.choice(CET_COUNTRIES if rng.random() < 0.08 else OTHER_COUNTRIES)
        customers.append(author)
    # A few bigger accounts among ordinary customers.
    for author, followers in zip(rng.sample(customers[8:], 4), (12800, 23400, 58100, 86900)):
        author["followers"] = followers
    customers[-1]["verified"] = True
    customers[-1]["followers"] = 31200
    # Facebook privacy: two authors come without a follower count.
    for author in [a for a in customers[60:] if "id" not in a][:2]:
        del author["followers"]
    return customers


JOURNALIST = {
    "id": "u20001",
    "handle": "@danawhitfield",
    "name": "Dana Whitfield | TechPulse",
    "followers": 251840,
    "verified": True,
    "tags": ["press"],
}
CREATOR = {
    "id": "u20002",
    "handle": "@gabebuilds",
    "name": "Gabe Moreno",
    "followers": 40960,
    "verified": True,
    "tags": ["creator"],
}
OPT_OUT_LENA = {
    "id": "u31877",
    "handle": "@lena_rdz",
    "name": "Lena Rodríguez",
    "followers": 412,
    "verified": False,
}
OPT_OUT_GARY = {"id": "u58210", "handle": "@grumpy_gary", "name": "Gary", "followers": 96, "verified": False}
LEAD_OFFICE = {
    "id": "u44120",
    "handle": "@markjensen_ops",
    "name": "Mark Jensen",
    "followers": 1240,
    "verified": False,
}
LEAD_SCHOOL = {
    "id": "u47731",
    "handle": "@riverside_it",
    "name": "Riverside Academy IT",
    "followers": 310,
    "verified": False,
}
LEAD_HOTELS = {
    "handle": "@coastlinehotels",
    "name": "Coastline Hotels Group",
    "followers": 5800,
    "verified": False,
}
LEAD_SHOP = {
    "id": "u46502",
    "handle": "@elektro_huber",
    "name": "Elektro Huber Graz",
    "followers": 730,
    "verified": False,
    "_country": "AT",
}
# Opted out on an earlier day; the CRM tags the author.
DO_NOT_CONTACT = {
    "id": "u51990",
    "handle": "@m_okonkwo",
    "name": "Michael Okonkwo",
    "followers": 188,
    "verified": False,
    "tags": ["do-not-contact"],
}


# --------------------------------------------------------------------------
# Building the day


def at(hh, mm, ss=0):
    return DAY + timedelta(hours=hh, minutes=mm, seconds=ss)


def first_name(author):
    if not author:
        return "there"
    return author.get("name", "there").split()[0]


class Day:
    """The events of the day, as dicts with private keys (leading "_")."""

    def __init__(self, rng):
        self.rng = rng
        self.events = []

    # -- generic helpers ---------------------------------------------------

    def add(
        self,
        type_,
        t,
        author,
        text=None,
        platform=None,
        *,
        thread=None,
        parent=None,
        rating=None,
        labels=None,
        sentiment=None,
        ref=None,
        category=None,
        **extra,
    ):
        ev = {
            "type": type_,
            "_t": t,
            "author": author,
            "text": text,
            "platform": platform,
            "_thread": thread,
            "_parent": parent,
            "rating": rating,
            "labels": labels,
            "sentiment": sentiment,
            "_ref": ref,
            "_extra": extra,
            "_cat": category,
            "_seq": len(self.events),
        }
        self.events.append(ev)
        return ev

    def customer(self, type_, t, author, text, platform, category, *, labels="auto", sentiment="auto", **kw):
        """A non-brand event; labels and sentiment are filled in like an upstream classifier."""
        rng = self.rng
        if labels == "auto":
            labels = list(LABELS[category]) if category in LABELS and rng.random() < 0.5 else None
            if labels is None and rng.random() < 0.04:
                labels = []
        if sentiment == "auto":
            sentiment = self.score(category) if rng.random() < 0.36 else None
        return self.add(
            type_, t, author, text, platform, labels=labels, sentiment=sentiment, category=category, **kw
        )

    def score(self, category):
        lo, hi = SENTIMENT[category]
        return round(self.rng.uniform(lo, hi), 4)

    def brand_reply(self, parent, t, text, account=None, *, explicit_thread=None, **kw):
        """A brand reply to `parent`; `explicit_thread` None means: sometimes carry `thread`."""
        rng = self.rng
        if account is None:
            account = ACME_HELP if rng.random() < 0.7 else ACME
        if explicit_thread is None:
            explicit_thread = rng.random() < 0.5
        sentiment = self.score("brand") if rng.random() < 0.2 else None
        return self.add(
            "reply",
            t,
            account,
            text,
            parent["platform"],
            thread=parent if explicit_thread else None,
            parent=parent,
            sentiment=sentiment,
            category="brand",
            **kw,
        )

    def fill(self, template, parent):
        author = parent["author"]
        return template.format(
            h=author["handle"] if author else "", first=first_name(author), sig=self.rng.choice(SIGNATURES)
        ).strip()

    def random_time(self, lo=0, hi=24):
        rng = self.rng
        hours = list(range(lo, hi))
        hour = rng.choices(hours, [HOUR_WEIGHTS[h] for h in hours])[0]
        return at(hour, rng.randrange(60), rng.randrange(60))

    def reply_time(self, parent, speed):
        """When the brand answers: 'fast' 5-60 min, 'slow' 2-4 h; None if not today."""
        rng = self.rng
        if speed == "fast":
            delay = timedelta(minutes=rng.randint(5, 60), seconds=rng.randrange(60))
        else:
            delay = timedelta(minutes=rng.randint(120, 240), seconds=rng.randrange(60))
        t = parent["_t"] + delay
        if t < at(SUPPORT_OPENS, 0):  # the night's backlog is worked off after opening
            t = at(SUPPORT_OPENS, rng.randint(3, 80), rng.randrange(60))
        if t >= at(SUPPORT_CLOSES, 0):
            return None
        return t

    def maybe_answer(self, parent, fast, slow, template):
        roll = self.rng.random()
        speed = "fast" if roll < fast else "slow" if roll < fast + slow else None
        if speed is None:
            return None
        t = self.reply_time(parent, speed)
        if t is None:
            return None
        return self.brand_reply(parent, t, self.fill(template, parent))


def build_generic(day, customers):
    """Everyday traffic: returns the items that still need a customer author."""
    rng = day.rng
    items = []

    def item(type_, text, platform, category, t=None, **kw):
        ev = day.customer(type_, t or day.random_time(), None, text, platform, category, **kw)
        items.append(ev)
        return ev

    for topic, text in COMPLAINTS:
        platform = "twitter" if rng.random() < 0.85 else "facebook"
        ev = item("mention", text, platform, "complaint")
        ev["_topic"] = topic
    ev = item("mention", SARCASM, "twitter", "complaint", labels=["praise"], sentiment=0.8271)
    ev["_topic"] = "broken"
    for text, answer in QUESTIONS:
        platform = rng.choice(("twitter",) * 8 + ("instagram", "facebook"))
        item("mention", text, platform, "question")["_answer"] = answer
    for text in PRAISE:
        item("mention", text, "twitter" if rng.random() < 0.7 else "instagram", "praise")
    for text in CHATTER:
        item("mention", text, "twitter", "chatter")
    for category, text, answer in COMMENTS:
        post = rng.choice(sorted(POSTS))
        platform, campaign = POSTS[post]
        extra = {"campaign": campaign} if campaign and rng.random() < 0.8 else {}
        ev = item("comment", text, platform, category, thread=post, **extra)
        ev["_answer"] = answer
    for category, text in MESSAGES:
        platform = rng.choice(("twitter", "instagram", "facebook"))
        ev = item(
            "message", text, platform, category, thread=f"{platform[:2]}_dm_{rng.randint(30000, 59999)}"
        )
    for rating, text in REVIEWS:
        if text.startswith("Get 70%"):
            continue
        category = "complaint" if rating <= 2 else "chatter" if rating == 3 else "praise"
        ev = item("review", text, "reviews", category, rating=rating)
        ev["_band"] = "low" if rating <= 2 else "mid" if rating == 3 else "high"
    # Storm: 25 outage complaints between 13:52 and 14:12.
    offsets = sorted(rng.sample(range(20 * 60), len(STORM)))
    for text, offset in zip(STORM, offsets):
        item("mention", text, "twitter", "storm", t=at(13, 52) + timedelta(seconds=offset))
    return items


def assign_authors(rng, items, customers):
    """Zipf-like activity: everyone posts once, a few post many times."""
    counts = [1] * len(customers)
    extra = len(items) - len(customers)
    weights = [1 / (rank + 2) for rank in range(len(customers))]
    for rank in rng.choices(range(len(customers)), weights, k=extra):
        counts[rank] += 1
    personas = {
        0: {"complaint", "storm"},
        1: {"praise", "chatter", "question"},
        2: {"complaint", "storm", "question"},
    }
    remaining = list(items)
    rng.shuffle(remaining)
    for rank, author in enumerate(customers):
        allowed = personas.get(rank)
        for _ in range(counts[rank]):
            pick = next((ev for ev in remaining if allowed is None or ev["_cat"] in allowed), None)
            if pick is None:
                pick = remaining[0]
            remaining.remove(pick)
            pick["author"] = author


def answer_generic(day, items):
    """Brand replies to the everyday traffic: fast, hours late, or never."""
    rng = day.rng
    for ev in sorted(items, key=lambda e: e["_seq"]):
        cat, type_ = ev["_cat"], ev["type"]
        if ev["author"] is None or cat in ("storm", "spam"):
            continue
        if type_ == "mention" and cat == "complaint":
            day.maybe_answer(ev, 0.2, 0.13, rng.choice(COMPLAINT_ANSWERS[ev["_topic"]]))
        elif type_ == "mention" and cat == "question":
            day.maybe_answer(ev, 0.24, 0.04, ev["_answer"])
        elif type_ == "mention" and cat == "praise":
            day.maybe_answer(ev, 0.07, 0.0, rng.choice(PRAISE_ANSWERS))
        elif type_ == "comment" and cat == "complaint":
            day.maybe_answer(ev, 0.2, 0.04, rng.choice(COMMENT_COMPLAINT_ANSWERS))
        elif type_ == "comment" and ev["_answer"]:
            day.maybe_answer(ev, 0.35, 0.0, ev["_answer"])
        elif type_ == "message":
            day.maybe_answer(ev, 0.4, 0.12, rng.choice(MESSAGE_ANSWERS[cat]))
        elif type_ == "review":
            odds = {"low": 0.35, "mid": 0.1, "high": 0.05}[ev["_band"]]
            day.maybe_answer(ev, 0.0, odds, REVIEW_ANSWERS[ev["_band"]])


def build_storm_answers(day):
    """A few holding replies during the outage, two status posts, a couple of all-clears."""
    rng = day.rng
    storm = [ev for ev in day.events if ev["_cat"] == "storm"]
    answered = rng.sample(storm, 8)
    for ev in sorted(answered[:6], key=lambda e: e["_t"]):
        t = max(ev["_t"], at(14, 16)) + timedelta(minutes=rng.randint(3, 30), seconds=rng.randrange(60))
        day.brand_reply(ev, t, day.fill(rng.choice(STORM_ANSWERS), ev))
    for ev in answered[6:]:
        t = at(15, rng.randint(8, 40), rng.randrange(60))
        day.brand_reply(ev, t, day.fill(STORM_FIXED, ev))
    day.add(
        "post",
        at(14, 21, 4),
        ACME,
        "We're aware some of you can't log in to the Acme app right now. Our engineers are on it "
        "and we'll update here. Sorry! #acmedown",
        "twitter",
        category="brand",
    )
    day.add(
        "post",
        at(15, 5, 30),
        ACME,
        "The Acme app is working again for most of you 🎉 If you still can't log in, force-close "
        "the app and try again. Thanks for your patience 💙",
        "twitter",
        category="brand",
    )
    return storm


def build_scenarios(day, customers):
    """Scripted conversations; returns the notable events by name."""
    rng = day.rng
    notes = {}
    pool = customers[12:]  # quieter customers for the scripted chats
    c_chain1, c_chain2, c_chain3, c_dm, c_skew, c_late1, c_late2, c_late3, c_late4 = rng.sample(pool, 9)

    # The journalist: a morning complaint, answered after three hours, and a follow-up.
    j1 = day.customer(
        "mention",
        at(8, 47, 12),
        JOURNALIST,
        "Three days into testing the @acme X2 for our review and it's stuck in a boot loop "
        "after this morning's firmware update. Not a great look a week before Black Friday. "
        "Anyone else? #AcmeX2",
        "twitter",
        "complaint",
        labels=["complaint"],
        sentiment=-0.6249,
    )
    day.brand_reply(
        j1,
        at(11, 52, 40),
        "@danawhitfield Hi Dana, we're really sorry about this. Our firmware team has a fix "
        "and we've sent you the steps by DM. ^RS",
        explicit_thread=True,
    )
    j2 = day.customer(
        "mention",
        at(15, 34, 8),
        JOURNALIST,
        "Update: @acme_help sent a fix over DM and the X2 is alive again, but it wiped three "
        "days of health data. Full review Monday. #AcmeX2",
        "twitter",
        "complaint",
        labels=None,
        sentiment=-0.2263,
        parent=j1,
    )
    notes["journalist"] = [j1, j2]

    # The creator: praise in the morning, a complaint answered fast in the afternoon.
    g1 = day.customer(
        "mention",
        at(10, 15, 51),
        CREATOR,
        "Unboxing the new @acme X2 titanium on stories today ✨ honestly the nicest watch "
        "I've reviewed this year #AcmeX2 #ad",
        "instagram",
        "praise",
        labels=["praise"],
        sentiment=0.8126,
        campaign="blackfriday",
    )
    g2 = day.customer(
        "mention",
        at(16, 40, 2),
        CREATOR,
        "ok @acme_help the Buds Pro case hinge on my review pair just snapped. 2 weeks old. "
        "not a great look 😬",
        "instagram",
        "complaint",
        labels=None,
    )
    day.brand_reply(
        g2,
        at(16, 51, 30),
        "@gabebuilds so sorry Gabe! A new pair is on its way by courier tomorrow, and we'd "
        "love to look at the broken one. Check your DMs ^AK",
    )
    notes["creator"] = [g1, g2]

    # Chain 1 (customer → brand → customer → brand → customer), linked only by in_reply_to.
    h = c_chain1["handle"]
    a = day.customer(
        "mention",
        at(9, 12, 30),
        c_chain1,
        "@acme_help left Buds Pro earbud won't charge anymore. cleaned the contacts, tried "
        "another cable. nothing.",
        "twitter",
        "complaint",
    )
    b = day.brand_reply(
        a,
        at(9, 31, 5),
        f"{h} sorry about that! Could you reset the case: hold the "
        "button on the back for 15 seconds with both buds inside? ^SK",
        explicit_thread=False,
    )
    c = day.customer(
        "reply",
        at(9, 44, 40),
        c_chain1,
        "@acme_help tried it twice, light blinks orange and still nothing on the left one",
        "twitter",
        "complaint",
        parent=b,
    )
    d = day.brand_reply(
        c,
        at(9, 58, 12),
        f"{h} thanks for trying, the orange blink means that bud needs "
        "replacing. We've sent a DM with a prepaid label 📦 ^SK",
        explicit_thread=False,
    )
    e = day.customer(
        "reply",
        at(10, 3, 55),
        c_chain1,
        "@acme_help got it, thanks for the quick help 🙏",
        "twitter",
        "praise",
        parent=d,
    )
    notes["chain1"] = [a, b, c, d, e]

    # Chain 2: warranty question, a slow second answer, and a follow-up closed in the back office.
    h = c_chain2["handle"]
    a = day.customer(
        "mention",
        at(11, 5, 18),
        c_chain2,
        "@acme is the X2 warranty 2 years in the EU even if I bought it in the US store?",
        "twitter",
        "question",
    )
    b = day.brand_reply(
        a,
        at(11, 40, 26),
        f"{h} Hi {first_name(c_chain2)}! The warranty follows the "
        "region of purchase, so it's 1 year for US orders, but our EU service centres "
        "will still do the repair. ^MJ",
        ACME,
        explicit_thread=False,
    )
    c = day.customer(
        "reply",
        at(11, 52, 3),
        c_chain2,
        "@acme so if it breaks in month 13 I'm out of luck? that's not great",
        "twitter",
        "complaint",
        labels=None,
        sentiment=None,
        parent=b,
    )
    d = day.brand_reply(
        c,
        at(14, 35, 49),
        f"{h} for US purchases, yes, unless you add Acme Care. Happy "
        "to check your options if you DM us the serial ^MJ",
        ACME_HELP_CAPS,
        explicit_thread=False,
    )
    e = day.customer(
        "reply",
        at(14, 50, 21),
        c_chain2,
        "@acme ok thanks, will think about it 🤔",
        "twitter",
        "chatter",
        parent=d,
    )
    notes["chain2"] = [a, b, c, d, e]
    notes["caps"] = d

    # Chain 3: a comment thread on a brand post; only the first comment carries `thread`.
    a = day.customer(
        "comment",
        at(12, 18, 44),
        c_chain3,
        "Updated last night and now my X2 won't show notifications at all. Anyone else?",
        "facebook",
        "complaint",
        thread="fb_post_7731",
    )
    b = day.brand_reply(
        a,
        at(12, 41, 9),
        f"Hi {first_name(c_chain3)}, sorry about that! Please check "
        "Settings > Notifications > Allow on your phone, the update resets that toggle "
        "for some people. ^AK",
        explicit_thread=False,
    )
    c = day.customer(
        "comment", at(12, 50, 37), c_chain3, "That worked!! thank you 🙌", "facebook", "praise", parent=b
    )
    d = day.brand_reply(c, at(12, 58, 0), "Great to hear, enjoy! ^AK", explicit_thread=False)
    notes["chain3"] = [a, b, c, d]

    # A refund handled over DM: customer messages carry the DM thread, brand replies only in_reply_to.
    dm_thread = "tw_dm_48213"
    a = day.customer(
        "message",
        at(9, 40, 2),
        c_dm,
        "Hi, I returned my X2 on Oct 28 (order AC-39102) and still no refund. It's been over 3 weeks.",
        "twitter",
        "complaint",
        thread=dm_thread,
    )
    b = day.brand_reply(
        a,
        at(10, 2, 33),
        f"Hi {first_name(c_dm)}, sorry for the wait! Could you confirm "
        "the email address on the order so we can look it up? ^RS",
        explicit_thread=False,
    )
    c = day.customer(
        "message",
        at(10, 9, 17),
        c_dm,
        "It's the same one as on my Acme account. Order AC-39102.",
        "twitter",
        "chatter",
        thread=dm_thread,
        parent=b,
    )
    day.add("handled", at(10, 31, 0), AGENT_MARIA, "refund issued (Zendesk #88213)", ref=dm_thread)
    d = day.brand_reply(
        c,
        at(10, 33, 45),
        "All sorted: the refund went out just now and should reach "
        "your card within 3-5 business days. Sorry again! ^RS",
        explicit_thread=False,
    )
    e = day.customer(
        "message", at(10, 41, 10), c_dm, "Great, thank you!", "twitter", "praise", thread=dm_thread, parent=d
    )
    notes["dm_chat"] = [a, b, c, d, e]

    # Opt-out 1: Lena asks the brand to stop (labelled by the classifier).
    a = day.customer(
        "mention",
        at(8, 5, 37),
        OPT_OUT_LENA,
        "@acme my X2 arrived with a dead battery, won't even charge 😡",
        "twitter",
        "complaint",
        labels=["complaint"],
    )
    b = day.brand_reply(
        a,
        at(8, 22, 14),
        "@lena_rdz so sorry Lena! DM us your order number and we'll send a replacement right away ^SK",
        explicit_thread=True,
    )
    c = day.customer(
        "reply",
        at(8, 30, 51),
        OPT_OUT_LENA,
        "@acme_help I already returned it to the store. please stop replying to me.",
        "twitter",
        "optout",
        labels=["opt_out"],
        parent=b,
    )
    notes["optout_lena"] = [a, b, c]

    # Opt-out 2: Gary (no labels), and the brand replies once more anyway.
    a = day.customer(
        "mention",
        at(12, 2, 26),
        OPT_OUT_GARY,
        "does the @acme X2 work with android 12? asking before I waste money",
        "twitter",
        "question",
        labels=None,
    )
    b = day.brand_reply(
        a,
        at(12, 20, 3),
        "@grumpy_gary Hi! Yes, the X2 works with Android 10 and newer 👍 ^JM",
        explicit_thread=False,
    )
    c = day.customer(
        "mention",
        at(13, 5, 12),
        OPT_OUT_GARY,
        "bought it anyway. now the @acme app wants my location AND my date of birth just to "
        "pair a watch. nope.",
        "twitter",
        "complaint",
        labels=None,
    )
    d = day.brand_reply(
        c,
        at(13, 22, 40),
        "@grumpy_gary Hi Gary! Android needs location access to scan "
        "for Bluetooth devices, we never store it. Birthday is optional 🙂 ^JM",
        explicit_thread=True,
    )
    e = day.customer(
        "reply",
        at(13, 30, 2),
        OPT_OUT_GARY,
        "@acme_help leave me alone. I don't want help from a bot, I want an app that works",
        "twitter",
        "optout",
        labels=None,
        parent=d,
    )
    f = day.brand_reply(
        e,
        at(13, 48, 19),
        "@grumpy_gary sorry to hear that, Gary. We're here if you change your mind 💙",
        ACME,
    )
    g = day.customer(
        "reply",
        at(13, 55, 41),
        OPT_OUT_GARY,
        "STOP REPLYING TO ME",
        "twitter",
        "optout",
        labels=["opt_out"],
        sentiment=-0.5411,
        parent=f,
    )
    notes["optout_gary"] = [a, b, c, d, e, f, g]

    # A customer the CRM already tags "do-not-contact".
    notes["dnc"] = day.customer(
        "mention",
        at(17, 12, 9),
        DO_NOT_CONTACT,
        "@acme X2 lost bluetooth again. third time this week",
        "twitter",
        "complaint",
        labels=None,
    )

    # Sales leads.
    s1 = day.customer(
        "mention",
        at(10, 22, 15),
        LEAD_OFFICE,
        "@acme looking to buy 50 units of the X2 for my office (wellness program), who do I talk to?",
        "twitter",
        "lead",
        labels=["sales_lead"],
    )
    day.brand_reply(
        s1,
        at(10, 41, 2),
        "@markjensen_ops we'd love to help, Mark! Please DM us your "
        "email and our business team will reach out today ^MJ",
        ACME,
    )
    s2 = day.customer(
        "message",
        at(11, 5, 48),
        LEAD_SCHOOL,
        "Hi, I manage IT for Riverside Academy. We're looking at ~200 Pad 11s for next term. "
        "Do you have education pricing? Who should I contact?",
        "twitter",
        "lead",
        labels=["sales_lead", "question"],
        thread="tw_dm_51877",
    )
    day.brand_reply(
        s2,
        at(12, 37, 20),
        "Hi! Thanks for thinking of us. I've passed this to our "
        "education team, you'll get an email from edu@acme.example today. ^AK",
        explicit_thread=False,
    )
    s3 = day.customer(
        "comment",
        at(15, 48, 31),
        LEAD_HOTELS,
        "We run 12 hotels and are considering HomeHubs for every room (~900 units). Is there "
        "a business contact for bulk orders?",
        "facebook",
        "lead",
        labels=None,
        thread="fb_post_7740",
    )
    s4 = day.customer(
        "mention",
        at(18, 20, 44),
        LEAD_SHOP,
        "@acme_help do you have a reseller program in Austria? We run an electronics shop "
        "in Graz and customers keep asking for the X2",
        "twitter",
        "lead",
        labels=["question"],
        location={"country": "AT"},
    )
    notes["leads"] = [s1, s2, s3, s4]

    # A brand reply dated a minute before the item it answers (clock skew in the brand's tool).
    x = day.customer(
        "mention",
        at(16, 2, 30),
        c_skew,
        "@acme the replacement X2 you sent has the same flicker issue. unbelievable.",
        "twitter",
        "complaint",
        labels=["complaint"],
    )
    skew = day.brand_reply(
        x,
        at(16, 1, 30),
        f"{c_skew['handle']} so sorry! We've sent you a DM so we can set up a refund instead ^MJ",
        explicit_thread=True,
    )
    skew["_after"] = x
    notes["skew"] = (skew, x)

    # Events that arrive late (placed after events up to `_late` minutes newer).
    l1 = day.customer(
        "mention",
        at(8, 16, 20),
        c_late1,
        "@acme ordered on the 12th with 'next day delivery'. still nothing. next day my foot",
        "twitter",
        "complaint",
        labels=None,
    )
    l1["_late"] = 14
    l2 = day.customer(
        "message",
        at(12, 7, 3),
        c_late2,
        "Hi, my Pad 11 screen cracked by itself overnight, it was just lying on the table. Is that covered?",
        "facebook",
        "complaint",
        thread="fb_dm_40417",
    )
    l2["_late"] = 26
    q = day.customer(
        "mention",
        at(14, 58, 10),
        c_late3,
        "@acme_help is there a status page I can check when the app is down like earlier?",
        "twitter",
        "question",
    )
    l3 = day.brand_reply(
        q,
        at(15, 19, 47),
        f"{c_late3['handle']} yes! status.acme.example shows live status for the app and HomeHub cloud ^AK",
        explicit_thread=False,
    )
    l3["_late"] = 9
    l4 = day.customer(
        "mention",
        at(19, 31, 0),
        c_late4,
        "@acme_help 4th email this week about my broken HomeHub and nothing back. I'm losing my mind",
        "twitter",
        "complaint",
        labels=["complaint"],
    )
    l4["_late"] = 37
    notes["late"] = [l1, l2, l3, l4]
    return notes


def build_spam(day):
    rng = day.rng
    spam = []
    for text, author in zip(SPAM_MENTIONS, SPAMMERS):
        platform = "instagram" if author["handle"].count(".") else "twitter"
        spam.append(day.customer("mention", day.random_time(), author, text, platform, "spam"))
    for text in SPAM_COMMENTS:
        post = rng.choice(sorted(POSTS))
        spam.append(
            day.customer(
                "comment",
                day.random_time(),
                rng.choice(SPAMMERS[3:]),
                text,
                POSTS[post][0],
                "spam",
                thread=post,
            )
        )
    rating, text = REVIEWS[-1]
    spam.append(
        day.customer(
            "review", day.random_time(), SPAMMERS[2], text, "reviews", "spam", rating=rating, labels=None
        )
    )
    return spam


def build_handled(day, notes, storm, items):
    """Back-office 'handled' marks: by item id or by thread id."""
    answered = {id(ev["_parent"]) for ev in day.events if ev["_parent"] is not None}
    quiet = [ev for ev in items if id(ev) not in answered and not ev.get("_late")]
    complaint = next(
        ev
        for ev in sorted(quiet, key=lambda e: e["_t"])
        if ev["_cat"] == "complaint" and ev["type"] == "mention" and ev["_t"] > at(10, 30)
    )
    review = next(
        ev
        for ev in sorted(quiet, key=lambda e: e["_t"])
        if ev["type"] == "review" and ev["rating"] == 1 and ev["author"]
    )
    storm_item = next(ev for ev in storm if id(ev) not in answered)
    chain2_root = notes["chain2"][0]
    handled = [ev for ev in day.events if ev["type"] == "handled"]
    handled.append(
        day.add(
            "handled",
            complaint["_t"] + timedelta(minutes=41, seconds=8),
            AGENT_LI,
            "customer called the hotline, resolved by phone",
            ref=complaint,
        )
    )
    handled.append(
        day.add("handled", max(review["_t"], at(9, 0)) + timedelta(minutes=73), AGENT_MARIA, None, ref=review)
    )
    handled.append(
        day.add(
            "handled",
            storm_item["_t"] + timedelta(minutes=28, seconds=15),
            AGENT_LI,
            "answered in the outage ticket",
            ref=storm_item,
        )
    )
    # Names the thread of chain 2: the customer's last reply there counts as handled too.
    handled.append(
        day.add("handled", at(16, 10, 0), AGENT_MARIA, "thread closed", ref=("thread", chain2_root))
    )
    return handled


def decorate(day, items):
    """Extra fields, "+01:00" offsets and fractional seconds."""
    rng = day.rng
    for ev in day.events:
        author = ev["author"]
        if not author or ev["_cat"] == "brand" or ev["type"] == "handled":
            continue
        country = author.get("_country")
        if country in ("DE", "AT", "NL", "FR"):
            ev["_cet"] = rng.random() < 0.35
            if rng.random() < 0.5:
                ev["_extra"].setdefault("location", {"country": country})
        elif country and rng.random() < 0.06:
            ev["_extra"].setdefault("location", {"country": country})
        if (ev["text"] or "").startswith("Hallo"):  # the German DM
            ev["_cet"] = True
            ev["_extra"]["location"] = {"country": "DE"}
        text = (ev["text"] or "").lower()
        if ("black friday" in text or "#blackfriday" in text) and rng.random() < 0.8:
            ev["_extra"].setdefault("campaign", "blackfriday")
    # Fractional seconds on three events.
    storm = [ev for ev in items if ev["_cat"] == "storm"]
    replies = [
        ev
        for ev in day.events
        if ev["_cat"] == "brand" and ev["type"] == "reply" and not ev.get("_late") and "_after" not in ev
    ]
    comments = [ev for ev in items if ev["type"] == "comment" and not ev.get("_cet")]
    for ev, ms in zip((rng.choice(storm), rng.choice(replies), rng.choice(comments)), (250, 731, 80)):
        ev["_t"] = ev["_t"].replace(microsecond=ms * 1000)
        ev["_cet"] = False


# --------------------------------------------------------------------------
# Ordering, ids and output


def order(events):
    """Sort by time, then move clock-skewed and late events to where they arrive."""
    lines = sorted(events, key=lambda e: (e["_t"], e["_seq"]))
    for ev in [e for e in lines if "_after" in e]:
        lines.remove(ev)
        lines.insert(lines.index(ev["_after"]) + 1, ev)
    for ev in sorted((e for e in lines if e.get("_late")), key=lambda e: e["_t"]):
        lines.remove(ev)
        arrival = ev["_t"] + timedelta(minutes=ev["_late"])
        index = max(i for i, other in enumerate(lines) if other["_t"] <= arrival)
        lines.insert(index + 1, ev)
    return lines


def assign_ids(lines):
    counters = {}
    for ev in lines:
        prefix, width = ID_PREFIX[ev["type"]]
        counters[prefix] = counters.get(prefix, 0) + 1
        ev["id"] = f"{prefix}{counters[prefix]:0{width}d}"


def thread_of(ev):
    """Thread resolution as in SPEC section 1 (every parent here is seen first)."""
    explicit = explicit_thread(ev)
    if explicit:
        return explicit
    if ev["_parent"] is not None:
        return thread_of(ev["_parent"])
    return ev["id"]


def explicit_thread(ev):
    value = ev["_thread"]
    if value is None or isinstance(value, str):
        return value
    return thread_of(value)


def format_time(ev):
    t = ev["_t"]
    if ev.get("_cet"):
        return t.astimezone(CET).isoformat()
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        text += f".{t.microsecond // 1000:03d}"
    return text + "Z"


def public(author):
    return {k: v for k, v in author.items() if not k.startswith("_")}


def record(ev):
    rec = {"id": ev["id"], "type": ev["type"], "time": format_time(ev)}
    if ev["author"] is not None:
        rec["author"] = public(ev["author"])
    for key in ("text", "platform"):
        if ev[key] is not None:
            rec[key] = ev[key]
    thread = explicit_thread(ev)
    if thread is not None:
        rec["thread"] = thread
    if ev["_parent"] is not None:
        rec["in_reply_to"] = ev["_parent"]["id"]
    for key in ("rating", "labels", "sentiment"):
        if ev[key] is not None:
            rec[key] = ev[key]
    ref = ev["_ref"]
    if isinstance(ref, tuple):  # ("thread", event): the event's thread id
        rec["ref"] = thread_of(ref[1])
    elif isinstance(ref, dict):
        rec["ref"] = ref["id"]
    elif ref is not None:
        rec["ref"] = ref
    rec.update(ev["_extra"])
    assert list(rec)[:3] == ["id", "type", "time"]
    return rec


def malformed_lines(rng, customers):
    """The five bad lines, each with the time it pretends to have (for placement)."""

    def who():
        return public(rng.choice(customers[20:]))

    truncated = json.dumps(
        {
            "id": "m901",
            "type": "mention",
            "time": "2026-11-20T07:41:12Z",
            "author": who(),
            "text": "@acme my X2 screen went black during my run and now it won't wake up at all",
            "platform": "twitter",
        },
        ensure_ascii=False,
    )
    truncated = truncated[: truncated.index("went black") + 7]
    return [
        (at(7, 41, 12), "not JSON (truncated object)", truncated),
        (
            at(10, 0),
            "time without zone",
            json.dumps(
                {
                    "id": "dm91",
                    "type": "message",
                    "time": "2026-11-20 10:00:00",
                    "author": who(),
                    "text": "Hi, is my order AC-40555 shipped yet?",
                    "platform": "facebook",
                    "thread": "fb_dm_30021",
                },
                ensure_ascii=False,
            ),
        ),
        (
            at(10, 55, 40),
            "no id",
            json.dumps(
                {
                    "type": "comment",
                    "time": "2026-11-20T10:55:40Z",
                    "author": who(),
                    "text": "Does the bundle include the charger?",
                    "platform": "instagram",
                    "thread": "ig_post_18044",
                },
                ensure_ascii=False,
            ),
        ),
        (
            at(12, 40, 3),
            "no type",
            json.dumps(
                {
                    "id": "m902",
                    "time": "2026-11-20T12:40:03Z",
                    "author": who(),
                    "text": "@acme_help where do I find my order number?",
                    "platform": "twitter",
                },
                ensure_ascii=False,
            ),
        ),
        (
            at(20, 15),
            "unreadable time",
            json.dumps(
                {
                    "id": "rv91",
                    "type": "review",
                    "time": "yesterday",
                    "author": who(),
                    "text": "Works as advertised. Shipping was quick.",
                    "platform": "reviews",
                    "rating": 4,
                },
                ensure_ascii=False,
            ),
        ),
    ]


def main():
    rng = random.Random(SEED)
    customers = make_customers(rng)
    day = Day(rng)

    items = build_generic(day, customers)
    anonymous = [
        rng.choice([ev for ev in items if ev["type"] == t]) for t in ("review", "comment", "message")
    ]
    for ev in anonymous:
        ev["author"] = None
    assign_authors(rng, [ev for ev in items if all(ev is not a for a in anonymous)], customers)
    notes = build_scenarios(day, customers)
    storm = build_storm_answers(day)
    answer_generic(day, items)
    spam = build_spam(day)
    handled = build_handled(day, notes, storm, items)
    decorate(day, items)

    lines = order(day.events)
    assign_ids(lines)
    out = [json.dumps(record(ev), ensure_ascii=False) for ev in lines]
    times = [ev["_t"] for ev in lines]

    # Malformed and blank lines, placed by the time they pretend to have (inserted from the end).
    extras = [(t, reason, text) for t, reason, text in malformed_lines(rng, customers)]
    extras += [(at(17, 30), "blank", ""), (at(22, 40), "blank", "")]
    for t, _reason, text in sorted(extras, key=lambda x: x[0], reverse=True):
        index = max(i for i, other in enumerate(times) if other <= t) + 1
        out.insert(index, text)
        times.insert(index, t)
    OUT.write_text("\n".join(out) + "\n", encoding="utf-8")

    # Summary.
    bad = {text: reason for _, reason, text in extras if text}
    print(f"wrote {OUT} ({len(out)} lines, {len(lines)} events)")
    per_type = {}
    for ev in lines:
        per_type[ev["type"]] = per_type.get(ev["type"], 0) + 1
    print("per type:", per_type)
    brand = [ev for ev in lines if ev["author"] and ev["author"]["handle"].lower() in ("@acme", "@acme_help")]
    print("brand events:", len(brand), "brand replies:", sum(ev["type"] == "reply" for ev in brand))
    print(
        "journalist:",
        [ev["id"] for ev in notes["journalist"]],
        "creator:",
        [ev["id"] for ev in notes["creator"]],
    )
    print("storm:", storm[0]["id"], "..", storm[-1]["id"], format_time(storm[0]), format_time(storm[-1]))
    print("late:", [(ev["id"], ev["_late"]) for ev in notes["late"]])
    print("skew reply:", notes["skew"][0]["id"], "answers", notes["skew"][1]["id"])
    print("caps reply:", notes["caps"]["id"])
    print("handled:", [(ev["id"], record(ev)["ref"]) for ev in handled])
    print(
        "opt-out:",
        [ev["id"] for ev in notes["optout_lena"]],
        [ev["id"] for ev in notes["optout_gary"]],
        "dnc:",
        notes["dnc"]["id"],
    )
    print("leads:", [ev["id"] for ev in notes["leads"]])
    for name in ("chain1", "chain2", "chain3", "dm_chat"):
        print(name + ":", [ev["id"] for ev in notes[name]])
    print("spam:", [ev["id"] for ev in spam])
    print("anonymous:", [ev["id"] for ev in anonymous])
    for number, text in enumerate(out, 1):
        if text in bad:
            print(f"line {number}: {bad[text]}")
        elif not text:
            print(f"line {number}: blank")


if __name__ == "__main__":
    main()
