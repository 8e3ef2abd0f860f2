-- A subscription that ends (canceled by the team, or by a team deletion in another module) must not
-- leave its product connection string behind: delete it in the same transaction, whichever code path
-- ended the subscription.
CREATE OR REPLACE FUNCTION aventian.drop_connection_on_cancel() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, aventian AS $$
BEGIN
  DELETE FROM aventian.team_db_connections WHERE team_id = NEW.team_id AND product_id = NEW.product_id;
  RETURN NULL;
END $$;

CREATE TRIGGER trg_team_product_assoc_drop_connection
  AFTER UPDATE OF status ON aventian.tbl_team_product_assoc
  FOR EACH ROW WHEN (NEW.status = 'canceled' AND OLD.status IS DISTINCT FROM 'canceled')
  EXECUTE FUNCTION aventian.drop_connection_on_cancel();
