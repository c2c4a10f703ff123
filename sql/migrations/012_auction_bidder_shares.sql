-- 012: bidder shares of Treasury auctions as columns, so an input that publishes shares but no
-- dollar amounts (a bidder-shares file of coupon auctions) is stored like one with amounts.

-- Shares of the competitive awards to direct bidders, indirect bidders and primary dealers,
-- percent of their sum (excludes SOMA and non-competitive awards; the three sum to 100):
-- computed from the accepted amounts where the source has them, else as published.
alter table core.auctions add column if not exists direct_pct double;
alter table core.auctions add column if not exists indirect_pct double;
alter table core.auctions add column if not exists primary_dealer_pct double;

-- z-score of the direct bidders' share vs the previous N auctions of the same term, as the
-- other z-scores of results.auction_metrics.
alter table results.auction_metrics add column if not exists direct_share_z double;
