import { describe, expect, it } from 'vitest';
import { guideTenant } from '#simulator/seed.ts';

describe('guideTenant', () => {
  it("holds the guide's six platforms with their ids", () => {
    expect(guideTenant().platforms).toEqual([
      { id: 0, name: 'AWS' },
      { id: 1, name: 'GCP' },
      { id: 2, name: 'Azure' },
      { id: 3, name: 'Heroku' },
      { id: 4, name: 'Other' },
      { id: 5, name: 'Snowflake' },
    ]);
  });

  it("holds the guide's two AWS connections in one organization", () => {
    const connections = guideTenant().connections;
    expect(connections.map((connection) => [connection.id, connection.name, connection.account_id])).toEqual([
      [1, 'aws-demo', '123456789012'],
      [2, 'aws-production', '234567890123'],
    ]);
    expect(connections.every((connection) => connection.organization_id === '567890567890')).toBe(true);
  });

  it('keeps services 5 and 6 exactly as the guide prints them', () => {
    const services = guideTenant().services;
    expect(services.find((service) => service.id === 5)).toEqual({
      id: 5,
      name: 'rdspostgres',
      display_name: 'Postgres',
      enabled_features: {
        classification: true,
        data_in_use_monitoring: false,
        query_analysis: false,
        users_and_roles: true,
        privilege_analysis: false,
      },
    });
    expect(services.find((service) => service.id === 6)?.enabled_features.privilege_analysis).toBe(true);
    expect(services.find((service) => service.id === 4)?.name).toBe('rdsmysql');
  });

  it("keeps the guide's store 2 as printed, -1 values and 11-digit account id included", () => {
    expect(guideTenant().stores[1]).toEqual({
      id: 2,
      name: 'finance',
      infrastructure_connection_id: 2,
      account_id: '23456789012',
      endpoint: 'mysql-db-dev.abcdefghijk1.us-west-2.rds.amazonaws.com:3306',
      service_id: 4,
      data_owners: [3],
      region: 'us-west-2',
      data_store_sensitivity_score: 21,
      data_store_risk_rating: 0,
      table_count: 0,
      field_count: 0,
      sensitive_field_count: 0,
      sensitive_record_count: 452,
      data_tags: [],
      database_count: 0,
      schema_count: 0,
      total_query_count: -1,
      total_alert_count: 1,
      misconfiguration_risk_score: 0,
      publicly_inaccessible: 'On',
      encryption: 'On',
      backup: 'On',
      over_privileged_risk_score: -1,
      stale_user_count: 0,
      data_store_sensitive_data_access_risk_score: 0,
      users_with_access_to_sensitive_data_count: 9,
      scan_status: 1,
    });
  });

  it("holds the guide's six tags in categories 3 and 5, both seeded", () => {
    const tenant = guideTenant();
    expect(tenant.tags.map((tag) => [tag.id, tag.name, tag.category_id])).toEqual([
      [1000004, 'GDPR', 3],
      [1000005, 'CCPA', 3],
      [1000006, 'PCI', 3],
      [1000007, 'PII', 5],
      [1000008, 'SOX', 3],
      [1000009, 'HIPAA', 3],
    ]);
    expect(tenant.categories.map((category) => category.id)).toEqual([3, 5]);
  });

  it('hands out independent copies', () => {
    const first = guideTenant();
    first.stores[0]?.data_tags.push(1000004);
    expect(guideTenant().stores[0]?.data_tags).toEqual([]);
  });
});
