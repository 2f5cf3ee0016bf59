/** Word lists the name generator combines into realistic-looking domain names. */

/** Ordinary words small businesses, blogs and projects build domain names from. */
export const COMMON_WORDS: readonly string[] = [
  'acme', 'alpine', 'amber', 'anchor', 'apex', 'arbor', 'arrow', 'atlas', 'aurora', 'autumn',
  'bakery', 'bamboo', 'beacon', 'bear', 'birch', 'bistro', 'blue', 'bolt', 'boutique', 'bright',
  'brook', 'builder', 'cabin', 'cactus', 'canyon', 'capital', 'cargo', 'castle', 'cedar', 'central',
  'cherry', 'city', 'clinic', 'cloud', 'coast', 'cobalt', 'coffee', 'comet', 'coral', 'corner',
  'craft', 'creative', 'crest', 'crystal', 'dairy', 'delta', 'dental', 'desert', 'digital', 'dream',
  'eagle', 'east', 'echo', 'eco', 'element', 'elm', 'ember', 'energy', 'event', 'falcon',
  'farm', 'fern', 'field', 'fire', 'fitness', 'flora', 'forest', 'fox', 'fresh', 'frontier',
  'garden', 'gate', 'giant', 'glacier', 'global', 'gold', 'granite', 'green', 'grove', 'harbor',
  'harvest', 'haven', 'health', 'heritage', 'hill', 'home', 'honey', 'horizon', 'hotel', 'house',
  'iron', 'island', 'ivory', 'jade', 'journey', 'kitchen', 'lake', 'land', 'lantern', 'law',
  'leaf', 'legacy', 'light', 'lime', 'lion', 'little', 'lotus', 'lunar', 'maple', 'market',
  'meadow', 'media', 'metro', 'mill', 'mint', 'mission', 'modern', 'moon', 'mountain', 'music',
  'nature', 'nest', 'nexus', 'noble', 'north', 'nova', 'oak', 'ocean', 'olive', 'omega',
  'orbit', 'orchard', 'origin', 'panda', 'paper', 'park', 'peak', 'pearl', 'pine', 'pixel',
  'planet', 'plaza', 'point', 'polar', 'prairie', 'prime', 'pulse', 'quartz', 'quest', 'radiant',
  'rain', 'ranch', 'raven', 'real', 'red', 'ridge', 'river', 'rock', 'rose', 'royal',
  'sage', 'salt', 'sand', 'school', 'sea', 'shore', 'sierra', 'silver', 'sky', 'smart',
  'snow', 'solar', 'south', 'spark', 'spring', 'star', 'stone', 'storm', 'studio', 'summit',
  'sun', 'swift', 'tech', 'terra', 'thunder', 'tiger', 'timber', 'trail', 'travel', 'tree',
  'tribe', 'true', 'tulip', 'union', 'urban', 'valley', 'vector', 'velvet', 'verde', 'vista',
  'wave', 'west', 'wild', 'willow', 'wind', 'wolf', 'wood', 'works', 'yard', 'zen',
];

/** Suffix words that make names like "oakdental", "river-studio", "pixelworks". */
export const BUSINESS_SUFFIXES: readonly string[] = [
  'app', 'labs', 'group', 'shop', 'store', 'online', 'hq', 'systems', 'solutions', 'consulting',
  'design', 'hub', 'co', 'net', 'media', 'works', 'partners', 'services', 'tours', 'care',
];

/**
 * Brands and security words phishing domains borrow: they give keyword filters (paypal, apple,
 * login, ...) something to match in the stream, as they would on the real CT firehose.
 */
export const BRAND_WORDS: readonly string[] = [
  'paypal', 'apple', 'icloud', 'microsoft', 'office365', 'outlook', 'google', 'amazon', 'netflix',
  'facebook', 'instagram', 'whatsapp', 'chase', 'wellsfargo', 'coinbase', 'binance', 'metamask',
  'dhl', 'fedex', 'ups', 'usps', 'steam', 'roblox', 'adobe', 'dropbox', 'docusign', 'linkedin',
];

export const LURE_WORDS: readonly string[] = [
  'login', 'signin', 'secure', 'account', 'verify', 'verification', 'update', 'support', 'billing',
  'wallet', 'auth', 'recovery', 'unlock', 'confirm', 'service', 'help', 'id', 'security', 'alert',
];

/** Host labels seen in front of registered domains. */
export const HOST_LABELS: readonly string[] = [
  'www', 'mail', 'api', 'shop', 'app', 'blog', 'portal', 'admin', 'dev', 'staging', 'test', 'cdn',
  'static', 'img', 'vpn', 'remote', 'git', 'docs', 'status', 'auth', 'login', 'secure', 'm', 'store',
  'support', 'webmail', 'smtp', 'imap', 'ftp', 'owa', 'grafana', 'jenkins', 'kibana', 'cloud', 'files',
];

/** cPanel AutoSSL issues one certificate for the domain plus these service names. */
export const CPANEL_LABELS: readonly string[] = [
  'www', 'mail', 'cpanel', 'webmail', 'webdisk', 'cpcalendars', 'cpcontacts', 'autodiscover',
];

/** Public suffixes, weighted roughly by how often they show up in CT. */
export const TLDS: readonly (readonly [string, number])[] = [
  ['com', 40], ['net', 6], ['org', 5], ['io', 3], ['de', 5], ['co.uk', 3], ['fr', 2], ['nl', 2],
  ['ru', 2], ['com.br', 2], ['jp', 1], ['xyz', 2], ['app', 2], ['dev', 2], ['online', 2], ['shop', 2],
  ['site', 1], ['info', 2], ['ca', 1], ['com.au', 1], ['in', 1], ['it', 1], ['es', 1], ['pl', 1],
  ['ch', 1], ['se', 1], ['cloud', 1], ['top', 2], ['store', 1], ['eu', 1],
];

/** Cheap TLDs phishing registrations favour. */
export const LURE_TLDS: readonly string[] = ['com', 'net', 'xyz', 'top', 'online', 'site', 'info', 'live', 'app', 'support'];

/** Unicode labels for internationalised (IDN) names; they are logged in punycode (xn--). */
export const UNICODE_WORDS: readonly string[] = [
  'bücher', 'münchen', 'straße', 'café', 'españa', 'français', 'köln', 'zürich', 'øresund', 'mañana',
  'пример', 'москва', 'магазин', 'δοκιμή', 'ελληνικά', 'テスト', '例え', '東京', '中国', '北京',
  'مثال', 'भारत', 'ไทย', '한국', 'çiçek', 'łódź', 'přihlásit', 'göteborg', 'hôtel', 'smörgås',
];

/** TLDs that IDN labels are registered under (punycoded where they are themselves IDN). */
export const IDN_TLDS: readonly string[] = ['de', 'com', 'net', 'рф', '中国', 'jp', 'ch', 'eu', 'pl', 'org'];

/** Hosting/CDN suffixes that issue many-SAN or machine-named certificates. */
export const HOSTING_SUFFIXES: readonly string[] = [
  'cloudflaressl.example', 'hosting-edge.example', 'sni.cdn-sim.example', 'pages.host-sim.example',
];
